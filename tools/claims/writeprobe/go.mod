module patient-risk.local/writeprobe

go 1.22
