// Generated from contracts/openapi.yaml by packages/patient-monitor-ui-core/scripts/openapi-types.mjs.
// Do not edit: change the contract, then run `npm run generate:types -w packages/patient-monitor-ui-core`.

export type paths = {
    "/v1/signal-packets": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Submit a signal packet and get its risk assessment
         * @description The body must match contracts/signal-packet.schema.json. The packet is stored once: a resend of the same packet_id with the same content returns the stored assessment with 200; the same packet_id with different content is a 409.
         */
        post: operations["post_signal_packet"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/patients": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Every patient with their latest risk */
        get: operations["list_patients"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/patients/{patient_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One patient with their latest risk */
        get: operations["get_patient"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/patients/{patient_id}/risk": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The patient's latest risk (cached) */
        get: operations["get_risk"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/patients/{patient_id}/assessments": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The patient's assessments, newest first */
        get: operations["list_assessments"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/events/risk": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Server-sent events: one `risk-changed` event per new assessment
         * @description text/event-stream. Starts with `retry: 3000` and a `: subscribed` comment once the subscription is live; then `event: risk-changed` with `data:` a RiskChangedEvent JSON object per new assessment, and `: keep-alive` comments in between.
         */
        get: operations["risk_events"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/healthz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Liveness: the process serves requests */
        get: operations["healthz"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/readyz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Readiness: storage reachable and schema at the Alembic head */
        get: operations["readyz"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
};
export type webhooks = Record<string, never>;
export type components = {
    schemas: {
        /** Assessment */
        Assessment: {
            /** Assessment Id */
            assessment_id: string;
            /** Packet Id */
            packet_id: string;
            /** Patient Id */
            patient_id: string;
            /** Device Id */
            device_id: string;
            /** Score */
            score: number;
            /**
             * Level
             * @enum {string}
             */
            level: "low" | "medium" | "high";
            /** Reasons */
            reasons: components["schemas"]["Reason"][];
            features: components["schemas"]["Features"];
            /**
             * Rejections
             * @description Per-sample rejections (at most 100 listed).
             */
            rejections: components["schemas"]["Rejection"][];
            /**
             * Started At
             * Format: date-time
             */
            started_at: string;
            /**
             * Assessed At
             * Format: date-time
             */
            assessed_at: string;
            /**
             * Spo2 Series
             * @description Valid SpO2 readings downsampled to at most 120 points, for the trend chart.
             */
            spo2_series: components["schemas"]["SeriesPoint"][];
        };
        /** AssessmentList */
        AssessmentList: {
            /** Assessments */
            assessments: components["schemas"]["Assessment"][];
        };
        /** Features */
        Features: {
            /** Spo2 Mean */
            spo2_mean: number | null;
            /** Spo2 Min */
            spo2_min: number | null;
            /**
             * Spo2 Recent
             * @description Mean SpO2 over the last 30 s of valid readings.
             */
            spo2_recent: number | null;
            /**
             * Spo2 Slope Per Min
             * @description Least-squares SpO2 trend in percentage points per minute.
             */
            spo2_slope_per_min: number | null;
            /**
             * Desaturation Events
             * @description Episodes of SpO2 < 90 % lasting at least 10 s.
             */
            desaturation_events: number;
            /** Seconds Below 90 */
            seconds_below_90: number;
            /** Heart Rate Mean */
            heart_rate_mean: number | null;
            /** Heart Rate Recent */
            heart_rate_recent: number | null;
            /** Duration S */
            duration_s: number;
            /** Sample Count */
            sample_count: number;
            /** Rejected Samples */
            rejected_samples: number;
            /**
             * Gaps
             * @description Intervals between consecutive valid SpO2 readings longer than 10 s.
             */
            gaps: number;
            /** Longest Gap S */
            longest_gap_s: number;
        };
        /** FieldError */
        FieldError: {
            /**
             * Field
             * @description Path of the offending field, e.g. samples[3].spo2.
             */
            field: string;
            /** Message */
            message: string;
        };
        /** Health */
        Health: {
            /**
             * Status
             * @constant
             */
            status: "ok";
        };
        /** PatientList */
        PatientList: {
            /** Patients */
            patients: components["schemas"]["PatientSummary"][];
        };
        /** PatientSummary */
        PatientSummary: {
            /** Patient Id */
            patient_id: string;
            /** Display Name */
            display_name: string | null;
            /** Ward */
            ward: string | null;
            latest: components["schemas"]["RiskSnapshot"] | null;
        };
        /**
         * Problem
         * @description RFC 7807-style error body (media type application/problem+json).
         */
        Problem: {
            /** Type */
            type: string;
            /** Title */
            title: string;
            /** Status */
            status: number;
            /** Detail */
            detail: string;
            /**
             * Errors
             * @default null
             */
            errors: components["schemas"]["FieldError"][] | null;
        };
        /** Readiness */
        Readiness: {
            /**
             * Status
             * @enum {string}
             */
            status: "ready" | "unready";
            /**
             * Checks
             * @description One entry per dependency: 'ok' or what is wrong.
             */
            checks: {
                [key: string]: string;
            };
        };
        /** Reason */
        Reason: {
            /**
             * Code
             * @description Stable machine-readable reason code, e.g. spo2_scale1 or spo2_falling.
             */
            code: string;
            /**
             * Message
             * @description Human-readable explanation with the measured value.
             */
            message: string;
            /**
             * Points
             * @description Points this reason adds to the score (0 for informational reasons).
             */
            points: number;
        };
        /** Rejection */
        Rejection: {
            /**
             * Index
             * @description Index of the sample in the packet's samples array.
             */
            index: number;
            /**
             * Field
             * @enum {string}
             */
            field: "offset_s" | "spo2" | "heart_rate" | "sample";
            /** Code */
            code: string;
            /** Message */
            message: string;
        };
        /**
         * RiskChangedEvent
         * @description Data of one ``risk-changed`` server-sent event on GET /v1/events/risk.
         */
        RiskChangedEvent: {
            /** Patient Id */
            patient_id: string;
            /**
             * Level
             * @enum {string}
             */
            level: "low" | "medium" | "high";
            /** Previous Level */
            previous_level: ("low" | "medium" | "high") | null;
            /** Score */
            score: number;
            /**
             * Assessed At
             * Format: date-time
             */
            assessed_at: string;
            /** Packet Id */
            packet_id: string;
        };
        /** RiskSnapshot */
        RiskSnapshot: {
            /** Score */
            score: number;
            /**
             * Level
             * @enum {string}
             */
            level: "low" | "medium" | "high";
            /**
             * Assessed At
             * Format: date-time
             */
            assessed_at: string;
            /** Packet Id */
            packet_id: string;
        };
        /** SeriesPoint */
        SeriesPoint: {
            /** Offset S */
            offset_s: number;
            /** Spo2 */
            spo2: number;
        };
        /**
         * SignalPacket
         * @description One packet of bedside-monitor readings for one patient, as posted to POST /v1/signal-packets. Sample values outside the physiological range are accepted here and rejected per sample (with a reason) by the signal core; structurally wrong packets are rejected whole with 422. Optional properties may be null, meaning not observed.
         */
        SignalPacket: {
            /** @description Client-chosen id; a resend with the same id and content is idempotent. */
            packet_id: components["schemas"]["SignalPacketIdentifier"];
            patient_id: components["schemas"]["SignalPacketIdentifier"];
            device_id: components["schemas"]["SignalPacketIdentifier"];
            /** @description Optional demographics; the latest non-null values win. */
            patient?: {
                display_name?: string | null;
                ward?: string | null;
            } | null;
            /**
             * Format: date-time
             * @description RFC 3339 date-time (with offset) of offset_s = 0.
             */
            started_at: string;
            samples: components["schemas"]["SignalPacketSample"][];
            /** @description Breaths per minute (spot observation). */
            respiratory_rate?: number | null;
            /** @description Body temperature in degrees Celsius (spot observation). */
            temperature_c?: number | null;
            /** @description Systolic blood pressure in mmHg (spot observation). */
            systolic_bp?: number | null;
            /**
             * @description ACVPU: alert, or new confusion / responds to voice / pain / unresponsive.
             * @enum {string|null}
             */
            consciousness?: "alert" | "cvpu" | null;
            on_supplemental_oxygen?: boolean | null;
        };
        SignalPacketIdentifier: string;
        SignalPacketSample: {
            /** @description Seconds since started_at; must increase from sample to sample (a sample that does not is rejected by the signal core). */
            offset_s: number;
            /** @description Peripheral oxygen saturation in percent. Device sentinels such as 127 are accepted here and rejected as out of range. */
            spo2?: number | null;
            /** @description Beats per minute. */
            heart_rate?: number | null;
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
};
export type $defs = Record<string, never>;
export interface operations {
    post_signal_packet: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["SignalPacket"];
            };
        };
        responses: {
            /** @description Resend of a stored packet: the stored assessment. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Assessment"];
                };
            };
            /** @description Packet stored and assessed. */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Assessment"];
                };
            };
            /** @description packet_id already used for a packet with different content. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Body larger than 4194304 bytes. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description A parameter or the body is invalid; `errors` names each bad field. */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Storage unavailable; retry after Retry-After seconds. */
            503: {
                headers: {
                    /** @description Seconds to wait before retrying. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    list_patients: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PatientList"];
                };
            };
            /** @description Storage unavailable; retry after Retry-After seconds. */
            503: {
                headers: {
                    /** @description Seconds to wait before retrying. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    get_patient: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Patient identifier. */
                patient_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PatientSummary"];
                };
            };
            /** @description No such patient (or no assessment yet). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description A parameter or the body is invalid; `errors` names each bad field. */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Storage unavailable; retry after Retry-After seconds. */
            503: {
                headers: {
                    /** @description Seconds to wait before retrying. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    get_risk: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Patient identifier. */
                patient_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RiskSnapshot"];
                };
            };
            /** @description No such patient (or no assessment yet). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description A parameter or the body is invalid; `errors` names each bad field. */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Storage unavailable; retry after Retry-After seconds. */
            503: {
                headers: {
                    /** @description Seconds to wait before retrying. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    list_assessments: {
        parameters: {
            query?: {
                /** @description At most this many, newest first. */
                limit?: number;
            };
            header?: never;
            path: {
                /** @description Patient identifier. */
                patient_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AssessmentList"];
                };
            };
            /** @description No such patient (or no assessment yet). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description A parameter or the body is invalid; `errors` names each bad field. */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Storage unavailable; retry after Retry-After seconds. */
            503: {
                headers: {
                    /** @description Seconds to wait before retrying. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    risk_events: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The event stream. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/event-stream": string;
                };
            };
            /** @description Storage unavailable; retry after Retry-After seconds. */
            503: {
                headers: {
                    /** @description Seconds to wait before retrying. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    healthz: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Health"];
                };
            };
        };
    };
    readyz: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Readiness"];
                };
            };
            /** @description Not ready; `checks` says why. */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Readiness"];
                };
            };
        };
    };
}
