//! `patient_signal._native`: the Python face of patient-signal-rust-core.
//!
//! Samples come in as mappings (`{"offset_s": 0, "spo2": 97, "heart_rate": 80}`), tuples
//! `(offset_s, spo2, heart_rate)` or objects with those attributes. Analysis runs without the
//! GIL. Errors are typed: `SignalError` (a `ValueError`) and its subclasses.

use patient_signal_core as core;
use pyo3::create_exception;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyMapping, PyString, PyTuple};

create_exception!(
    _native,
    SignalError,
    PyValueError,
    "Base class of every patient_signal error."
);
create_exception!(
    _native,
    EmptyPacketError,
    SignalError,
    "The packet has no samples."
);
create_exception!(
    _native,
    TooManySamplesError,
    SignalError,
    "The packet has more samples than Config.max_samples."
);
create_exception!(
    _native,
    ConfigError,
    SignalError,
    "A Config threshold is unusable."
);
create_exception!(
    _native,
    SampleFormatError,
    SignalError,
    "A sample is not shaped like {offset_s, spo2?, heart_rate?}."
);

fn analysis_error(err: core::AnalysisError) -> PyErr {
    let message = err.to_string();
    match err {
        core::AnalysisError::NoSamples => EmptyPacketError::new_err(message),
        core::AnalysisError::TooManySamples { .. } => TooManySamplesError::new_err(message),
        core::AnalysisError::InvalidConfig { .. } => ConfigError::new_err(message),
    }
}

/// Thresholds of the analysis; the defaults are the clinical ones.
#[pyclass(frozen, module = "patient_signal._native")]
#[derive(Debug, Clone)]
struct Config {
    inner: core::Config,
}

#[pymethods]
impl Config {
    #[new]
    #[pyo3(signature = (*, desaturation_threshold=90.0, desaturation_min_duration_s=10.0, max_gap_s=10.0,
        recent_window_s=30.0, spo2_min=50.0, spo2_max=100.0, heart_rate_min=20.0, heart_rate_max=300.0,
        max_samples=7200))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        desaturation_threshold: f64,
        desaturation_min_duration_s: f64,
        max_gap_s: f64,
        recent_window_s: f64,
        spo2_min: f64,
        spo2_max: f64,
        heart_rate_min: f64,
        heart_rate_max: f64,
        max_samples: usize,
    ) -> PyResult<Self> {
        let inner = core::Config {
            desaturation_threshold,
            desaturation_min_duration_s,
            max_gap_s,
            recent_window_s,
            spo2_range: core::Range::new(spo2_min, spo2_max),
            heart_rate_range: core::Range::new(heart_rate_min, heart_rate_max),
            max_samples,
        };
        inner.validate().map_err(analysis_error)?;
        Ok(Self { inner })
    }

    #[getter]
    fn desaturation_threshold(&self) -> f64 {
        self.inner.desaturation_threshold
    }
    #[getter]
    fn desaturation_min_duration_s(&self) -> f64 {
        self.inner.desaturation_min_duration_s
    }
    #[getter]
    fn max_gap_s(&self) -> f64 {
        self.inner.max_gap_s
    }
    #[getter]
    fn recent_window_s(&self) -> f64 {
        self.inner.recent_window_s
    }
    #[getter]
    fn spo2_min(&self) -> f64 {
        self.inner.spo2_range.min
    }
    #[getter]
    fn spo2_max(&self) -> f64 {
        self.inner.spo2_range.max
    }
    #[getter]
    fn heart_rate_min(&self) -> f64 {
        self.inner.heart_rate_range.min
    }
    #[getter]
    fn heart_rate_max(&self) -> f64 {
        self.inner.heart_rate_range.max
    }
    #[getter]
    fn max_samples(&self) -> usize {
        self.inner.max_samples
    }

    fn __repr__(&self) -> String {
        let c = &self.inner;
        format!(
            "Config(desaturation_threshold={}, desaturation_min_duration_s={}, max_gap_s={}, recent_window_s={}, \
             spo2_min={}, spo2_max={}, heart_rate_min={}, heart_rate_max={}, max_samples={})",
            c.desaturation_threshold,
            c.desaturation_min_duration_s,
            c.max_gap_s,
            c.recent_window_s,
            c.spo2_range.min,
            c.spo2_range.max,
            c.heart_rate_range.min,
            c.heart_rate_range.max,
            c.max_samples
        )
    }
}

/// One dropped reading.
#[pyclass(frozen, get_all, module = "patient_signal._native")]
#[derive(Debug, Clone)]
struct Rejection {
    index: usize,
    field: &'static str,
    code: &'static str,
    message: String,
}

#[pymethods]
impl Rejection {
    fn __repr__(&self) -> String {
        format!(
            "Rejection(index={}, field={:?}, code={:?}, message={:?})",
            self.index, self.field, self.code, self.message
        )
    }
}

impl From<&core::Rejection> for Rejection {
    fn from(r: &core::Rejection) -> Self {
        Self {
            index: r.index,
            field: r.channel.field(),
            code: r.reason.code(),
            message: r.reason.to_string(),
        }
    }
}

/// Features of one packet (see patient-signal-rust-core's `Features`).
#[pyclass(frozen, get_all, module = "patient_signal._native")]
#[derive(Debug, Clone)]
struct Features {
    sample_count: usize,
    valid_spo2_count: usize,
    valid_heart_rate_count: usize,
    spo2_mean: Option<f64>,
    spo2_min: Option<f64>,
    spo2_max: Option<f64>,
    spo2_recent: Option<f64>,
    spo2_slope_per_min: Option<f64>,
    desaturation_events: u32,
    seconds_below_threshold: f64,
    longest_desaturation_s: f64,
    heart_rate_mean: Option<f64>,
    heart_rate_min: Option<f64>,
    heart_rate_max: Option<f64>,
    heart_rate_recent: Option<f64>,
    duration_s: f64,
    gaps: u32,
    longest_gap_s: f64,
    rejected_samples: usize,
    rejections: Vec<Rejection>,
}

impl From<core::Features> for Features {
    fn from(f: core::Features) -> Self {
        Self {
            sample_count: f.sample_count,
            valid_spo2_count: f.valid_spo2_count,
            valid_heart_rate_count: f.valid_heart_rate_count,
            spo2_mean: f.spo2_mean,
            spo2_min: f.spo2_min,
            spo2_max: f.spo2_max,
            spo2_recent: f.spo2_recent,
            spo2_slope_per_min: f.spo2_slope_per_min,
            desaturation_events: f.desaturation_events,
            seconds_below_threshold: f.seconds_below_threshold,
            longest_desaturation_s: f.longest_desaturation_s,
            heart_rate_mean: f.heart_rate_mean,
            heart_rate_min: f.heart_rate_min,
            heart_rate_max: f.heart_rate_max,
            heart_rate_recent: f.heart_rate_recent,
            duration_s: f.duration_s,
            gaps: f.gaps,
            longest_gap_s: f.longest_gap_s,
            rejected_samples: f.rejected_samples,
            rejections: f.rejections.iter().map(Rejection::from).collect(),
        }
    }
}

#[pymethods]
impl Features {
    /// Every feature as a plain dict (rejections as dicts too).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("sample_count", self.sample_count)?;
        d.set_item("valid_spo2_count", self.valid_spo2_count)?;
        d.set_item("valid_heart_rate_count", self.valid_heart_rate_count)?;
        d.set_item("spo2_mean", self.spo2_mean)?;
        d.set_item("spo2_min", self.spo2_min)?;
        d.set_item("spo2_max", self.spo2_max)?;
        d.set_item("spo2_recent", self.spo2_recent)?;
        d.set_item("spo2_slope_per_min", self.spo2_slope_per_min)?;
        d.set_item("desaturation_events", self.desaturation_events)?;
        d.set_item("seconds_below_threshold", self.seconds_below_threshold)?;
        d.set_item("longest_desaturation_s", self.longest_desaturation_s)?;
        d.set_item("heart_rate_mean", self.heart_rate_mean)?;
        d.set_item("heart_rate_min", self.heart_rate_min)?;
        d.set_item("heart_rate_max", self.heart_rate_max)?;
        d.set_item("heart_rate_recent", self.heart_rate_recent)?;
        d.set_item("duration_s", self.duration_s)?;
        d.set_item("gaps", self.gaps)?;
        d.set_item("longest_gap_s", self.longest_gap_s)?;
        d.set_item("rejected_samples", self.rejected_samples)?;
        let rejections = PyList::empty(py);
        for r in &self.rejections {
            let item = PyDict::new(py);
            item.set_item("index", r.index)?;
            item.set_item("field", r.field)?;
            item.set_item("code", r.code)?;
            item.set_item("message", &r.message)?;
            rejections.append(item)?;
        }
        d.set_item("rejections", rejections)?;
        Ok(d)
    }

    fn __repr__(&self) -> String {
        format!(
            "Features(sample_count={}, spo2_mean={}, spo2_min={}, spo2_slope_per_min={}, desaturation_events={}, \
             rejected_samples={}, gaps={})",
            self.sample_count,
            py_float(self.spo2_mean),
            py_float(self.spo2_min),
            py_float(self.spo2_slope_per_min),
            self.desaturation_events,
            self.rejected_samples,
            self.gaps
        )
    }
}

/// An optional float the way Python prints it.
fn py_float(value: Option<f64>) -> String {
    match value {
        None => "None".to_owned(),
        Some(v) if v.fract() == 0.0 && v.is_finite() => format!("{v:.1}"),
        Some(v) => format!("{v}"),
    }
}

fn type_name(value: &Bound<'_, PyAny>) -> String {
    value
        .get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "object".to_owned())
}

/// Reads one optional number; `None`/missing is None, anything else must be a real number.
fn number(value: Option<Bound<'_, PyAny>>, index: usize, field: &str) -> PyResult<Option<f64>> {
    match value {
        None => Ok(None),
        Some(v) if v.is_none() => Ok(None),
        Some(v) => {
            let wrong = || {
                SampleFormatError::new_err(format!(
                    "samples[{index}].{field}: expected a number, got {}",
                    type_name(&v)
                ))
            };
            // bool is an int subclass and str never converts: both are shape errors here.
            if v.is_instance_of::<PyString>() || v.is_instance_of::<pyo3::types::PyBool>() {
                return Err(wrong());
            }
            v.extract::<f64>().map(Some).map_err(|_| wrong())
        }
    }
}

fn sample(item: &Bound<'_, PyAny>, index: usize) -> PyResult<core::Sample> {
    let (offset, spo2, heart_rate) = if let Ok(tuple) = item.downcast::<PyTuple>() {
        if !(1..=3).contains(&tuple.len()) {
            return Err(SampleFormatError::new_err(format!(
                "samples[{index}]: a tuple sample is (offset_s, spo2, heart_rate), got {} items",
                tuple.len()
            )));
        }
        (
            Some(tuple.get_item(0)?),
            tuple.get_item(1).ok(),
            tuple.get_item(2).ok(),
        )
    } else if let Ok(mapping) = item.downcast::<PyMapping>() {
        let get = |key: &str| -> PyResult<Option<Bound<'_, PyAny>>> {
            if mapping.contains(key)? {
                Ok(Some(mapping.get_item(key)?))
            } else {
                Ok(None)
            }
        };
        (get("offset_s")?, get("spo2")?, get("heart_rate")?)
    } else {
        let get = |key: &str| item.getattr(key).ok();
        (get("offset_s"), get("spo2"), get("heart_rate"))
    };
    let offset_s = number(offset, index, "offset_s")?.ok_or_else(|| {
        SampleFormatError::new_err(format!("samples[{index}].offset_s: is required"))
    })?;
    Ok(core::Sample::new(
        offset_s,
        number(spo2, index, "spo2")?,
        number(heart_rate, index, "heart_rate")?,
    ))
}

fn samples(items: &Bound<'_, PyAny>) -> PyResult<Vec<core::Sample>> {
    if items.is_instance_of::<PyString>() || items.is_instance_of::<PyDict>() {
        return Err(SampleFormatError::new_err(
            "samples: expected a sequence of samples",
        ));
    }
    let iter = items.try_iter().map_err(|_| {
        SampleFormatError::new_err(format!(
            "samples: expected a sequence of samples, got {}",
            type_name(items)
        ))
    })?;
    let mut out = Vec::with_capacity(items.len().unwrap_or(0));
    for (index, item) in iter.enumerate() {
        out.push(sample(&item?, index)?);
    }
    Ok(out)
}

/// Features of one packet; raises EmptyPacketError, TooManySamplesError or SampleFormatError.
#[pyfunction]
#[pyo3(signature = (samples, config=None))]
fn analyze(
    py: Python<'_>,
    samples: &Bound<'_, PyAny>,
    config: Option<&Config>,
) -> PyResult<Features> {
    let samples = self::samples(samples)?;
    let config = config.map(|c| c.inner.clone()).unwrap_or_default();
    let features = py
        .allow_threads(|| core::analyze(&samples, &config))
        .map_err(analysis_error)?;
    Ok(features.into())
}

/// The valid SpO2 readings as (offset_s, spo2) pairs, at most `max_points` (bucket minima).
#[pyfunction]
#[pyo3(signature = (samples, max_points=120, config=None))]
fn spo2_series(
    py: Python<'_>,
    samples: &Bound<'_, PyAny>,
    max_points: usize,
    config: Option<&Config>,
) -> PyResult<Vec<(f64, f64)>> {
    let samples = self::samples(samples)?;
    let config = config.map(|c| c.inner.clone()).unwrap_or_default();
    config.validate().map_err(analysis_error)?;
    let series = py.allow_threads(|| core::spo2_series(&samples, &config, max_points));
    Ok(series.into_iter().map(|p| (p.offset_s, p.spo2)).collect())
}

/// SpO2 readings (%, one per sample at a steady rate) with artefacts rejected and the rest
/// smoothed by patient-signal-dsp (the C library, fixed point). Returns `(smoothed, artefact)`,
/// one entry per reading; `smoothed` is None before the first plausible reading and holds the
/// last value over artefacts. Raises ConfigError for unusable settings.
#[pyfunction]
#[pyo3(signature = (spo2, *, alpha=0.25, min_valid=50.0, max_valid=100.0, max_step=4.0, max_hold=5))]
fn filter_spo2(
    py: Python<'_>,
    spo2: Vec<f64>,
    alpha: f64,
    min_valid: f64,
    max_valid: f64,
    max_step: f64,
    max_hold: u32,
) -> PyResult<(Vec<Option<f64>>, Vec<bool>)> {
    let config = core::FilterConfig {
        alpha,
        min_valid,
        max_valid,
        max_step,
        max_hold,
    };
    let filtered = py
        .allow_threads(|| core::filter_spo2(&spo2, &config))
        .map_err(analysis_error)?;
    Ok((filtered.values, filtered.artefact))
}

/// Which patient-signal-dsp binary this module links: `patient-signal-dsp/<version>
/// arch=<Conan arch> build=conan`.
#[pyfunction]
fn dsp_build_info() -> &'static str {
    core::dsp_build_info()
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("SignalError", py.get_type::<SignalError>())?;
    m.add("EmptyPacketError", py.get_type::<EmptyPacketError>())?;
    m.add("TooManySamplesError", py.get_type::<TooManySamplesError>())?;
    m.add("ConfigError", py.get_type::<ConfigError>())?;
    m.add("SampleFormatError", py.get_type::<SampleFormatError>())?;
    m.add_class::<Config>()?;
    m.add_class::<Features>()?;
    m.add_class::<Rejection>()?;
    m.add_function(wrap_pyfunction!(analyze, m)?)?;
    m.add_function(wrap_pyfunction!(spo2_series, m)?)?;
    m.add_function(wrap_pyfunction!(filter_spo2, m)?)?;
    m.add_function(wrap_pyfunction!(dsp_build_info, m)?)?;
    Ok(())
}
