module github.com/tirosh-chain/guide/packages/patient-risk-go-core

go 1.24.0

require sigs.k8s.io/yaml v1.4.0
