//! Streaming least squares: mean and slope of a series in one pass (Welford-style updates, so
//! large offsets do not cost precision).

#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct LeastSquares {
    count: u64,
    mean_x: f64,
    mean_y: f64,
    /// Sum of (x - mean_x) * (y - mean_y).
    co_moment: f64,
    /// Sum of (x - mean_x)^2.
    x_moment: f64,
}

impl LeastSquares {
    pub fn push(&mut self, x: f64, y: f64) {
        self.count += 1;
        let n = self.count as f64;
        let dx = x - self.mean_x;
        self.mean_x += dx / n;
        self.mean_y += (y - self.mean_y) / n;
        self.co_moment += dx * (y - self.mean_y);
        self.x_moment += dx * (x - self.mean_x);
    }

    pub fn count(&self) -> u64 {
        self.count
    }

    pub fn mean_y(&self) -> Option<f64> {
        (self.count > 0).then_some(self.mean_y)
    }

    /// dy/dx of the least-squares line; None with fewer than two distinct x.
    pub fn slope(&self) -> Option<f64> {
        (self.count >= 2 && self.x_moment > 0.0).then(|| self.co_moment / self.x_moment)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_line() {
        let mut fit = LeastSquares::default();
        for i in 0..10 {
            let x = f64::from(i);
            fit.push(x, 3.0 - 0.5 * x);
        }
        assert!((fit.slope().unwrap() + 0.5).abs() < 1e-12);
        assert!((fit.mean_y().unwrap() - (3.0 - 0.5 * 4.5)).abs() < 1e-12);
    }

    #[test]
    fn one_point_has_no_slope() {
        let mut fit = LeastSquares::default();
        assert_eq!(fit.mean_y(), None);
        fit.push(1.0, 2.0);
        assert_eq!(fit.slope(), None);
        assert_eq!(fit.mean_y(), Some(2.0));
    }

    #[test]
    fn large_offsets_keep_precision() {
        let mut fit = LeastSquares::default();
        for i in 0..100 {
            let x = 1.0e9 + f64::from(i);
            fit.push(x, 2.0 * f64::from(i));
        }
        assert!((fit.slope().unwrap() - 2.0).abs() < 1e-6);
    }
}
