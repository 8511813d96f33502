// Generated from ../../tmp/draft-openapi.yaml by packages/patient-monitor-ui-core/scripts/openapi-types.mjs.
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
        post: operations["postSignalPacket"];
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
        get: operations["listPatients"];
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
            path: {
                patient_id: string;
            };
            cookie?: never;
        };
        get: operations["getPatient"];
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
            path: {
                patient_id: string;
            };
            cookie?: never;
        };
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    patient_id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description ok */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["RiskSnapshot"];
                    };
                };
            };
        };
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
            query?: {
                limit?: number;
            };
            header?: never;
            path: {
                patient_id: string;
            };
            cookie?: never;
        };
        get: {
            parameters: {
                query?: {
                    limit?: number;
                };
                header?: never;
                path: {
                    patient_id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description ok */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            assessments: components["schemas"]["Assessment"][];
                        };
                    };
                };
            };
        };
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
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description ok */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "text/event-stream": components["schemas"]["RiskChangedEvent"];
                    };
                };
            };
        };
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
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description ok */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
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
        /** @enum {string} */
        RiskLevel: "low" | "medium" | "high";
        SignalPacket: {
            packet_id: string;
            patient_id: string;
            device_id: string;
            patient?: {
                display_name?: string;
                ward?: string;
            };
            /** Format: date-time */
            started_at: string;
            samples: {
                offset_s: number;
                spo2?: number;
                heart_rate?: number;
            }[];
            respiratory_rate?: number;
            temperature_c?: number;
            systolic_bp?: number;
            /** @enum {string} */
            consciousness?: "alert" | "cvpu";
            on_supplemental_oxygen?: boolean;
        };
        RiskSnapshot: {
            score: number;
            level: components["schemas"]["RiskLevel"];
            /** Format: date-time */
            assessed_at: string;
            packet_id: string;
        };
        PatientSummary: {
            patient_id: string;
            display_name: string | null;
            ward: string | null;
            latest: components["schemas"]["RiskSnapshot"] | null;
        };
        Reason: {
            code: string;
            message: string;
            points: number;
        };
        Features: {
            spo2_mean: number | null;
            spo2_min: number | null;
            spo2_slope_per_min: number | null;
            desaturation_events: number;
            seconds_below_90: number;
            heart_rate_mean: number | null;
            sample_count: number;
            rejected_samples: number;
            gaps: number;
        };
        Assessment: {
            assessment_id: string;
            packet_id: string;
            patient_id: string;
            score: number;
            level: components["schemas"]["RiskLevel"];
            reasons: components["schemas"]["Reason"][];
            features: components["schemas"]["Features"];
            /** Format: date-time */
            assessed_at: string;
            spo2_series: {
                offset_s: number;
                spo2: number;
            }[];
        };
        RiskChangedEvent: {
            patient_id: string;
            level: components["schemas"]["RiskLevel"];
            previous_level: components["schemas"]["RiskLevel"] | null;
            score: number;
            assessed_at: string;
            packet_id: string;
        };
        Problem: {
            type?: string;
            title: string;
            status: number;
            detail?: string;
            errors?: {
                field: string;
                message: string;
            }[];
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
    postSignalPacket: {
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
            /** @description resend */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Assessment"];
                };
            };
            /** @description created */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Assessment"];
                };
            };
            /** @description conflict */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description invalid */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    listPatients: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description ok */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        patients: components["schemas"]["PatientSummary"][];
                    };
                };
            };
        };
    };
    getPatient: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                patient_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description ok */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PatientSummary"];
                };
            };
            /** @description nf */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
}
