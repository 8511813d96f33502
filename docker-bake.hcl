# Container images of every app, built by the patient-risk LLB frontend from
# apps/<app>/Dockerfile (app specs, not Dockerfiles). `make container/build`
# and `make container/build/<app>` drive this file; see docs/container-graphs.md.
#
#   docker buildx bake --push                       # all apps, both platforms
#   docker buildx bake --push patient-risk-web      # one app
#   IMAGE_TAG=0.1.0 TARGET=local-runtime PLATFORMS=linux/amd64 docker buildx bake --load dev-guide-docs

variable "IMAGE_TAG" {
  default = "0.0.0-dev"
}

# Where images go: <IMAGE_PREFIX>/<repository>:<IMAGE_TAG> (repositories from contracts/release.toml).
variable "IMAGE_PREFIX" {
  default = "127.0.0.1:5000/patient-risk"
}

# The frontend every spec's `# syntax=` line names; `make frontend/build` loads the
# working tree's build under this name, so builds use the frontend being developed.
variable "FRONTEND_IMAGE" {
  default = "ghcr.io/tirosh-chain/guide/llb-frontend:0.1.0"
}

variable "PLATFORMS" {
  default = "linux/amd64,linux/arm64"
}

variable "TARGET" {
  default = "release"
}

# `local` = the offline bases pushed by `make bases`; `upstream` = the catalog's default refs.
variable "BASE_IMAGES" {
  default = "local"
}

variable "BASE_IMAGES_REGISTRY" {
  default = "127.0.0.1:5000/patient-risk/bases"
}

variable "HOST_CA_BUNDLE" {
  default = "/etc/ssl/certs/ca-certificates.crt"
}

variable "REVISION" {
  default = ""
}

# Empty = not set. Setting it stamps every copied file and the history with it,
# so set it for release builds, not for incremental ones.
variable "SOURCE_DATE_EPOCH" {
  default = ""
}

# `registry` = consume the repo's own packages from the private registries below
# (docs/private-registries.md), with their credentials as BuildKit secrets read from
# REGISTRY_CREDENTIALS/<secret id>; `workspace` = build them from this checkout.
variable "PACKAGE_SOURCE" {
  default = "workspace"
}

variable "UV_INDEX_URL" {
  default = ""
}

variable "NPM_REGISTRY_URL" {
  default = ""
}

variable "CARGO_REGISTRY_INDEX" {
  default = ""
}

variable "CONAN_REMOTE_URL" {
  default = ""
}

variable "REGISTRY_CREDENTIALS" {
  default = "/var/lib/patient-risk/registries/credentials"
}

group "default" {
  targets = ["risk-monitor-operator", "patient-risk-python-api", "patient-risk-web", "dev-guide-docs"]
}

target "_app" {
  context   = "."
  target    = TARGET
  platforms = split(",", PLATFORMS)
  args = {
    BUILDKIT_SYNTAX      = FRONTEND_IMAGE
    BASE_IMAGES          = BASE_IMAGES
    BASE_IMAGES_REGISTRY = BASE_IMAGES_REGISTRY
    VERSION              = IMAGE_TAG
    REVISION             = REVISION
    SOURCE_DATE_EPOCH    = SOURCE_DATE_EPOCH == "" ? null : SOURCE_DATE_EPOCH
    PACKAGE_SOURCE       = PACKAGE_SOURCE == "workspace" ? null : PACKAGE_SOURCE
    UV_INDEX_URL         = UV_INDEX_URL == "" ? null : UV_INDEX_URL
    NPM_REGISTRY_URL     = NPM_REGISTRY_URL == "" ? null : NPM_REGISTRY_URL
    CARGO_REGISTRY_INDEX = CARGO_REGISTRY_INDEX == "" ? null : CARGO_REGISTRY_INDEX
    CONAN_REMOTE_URL     = CONAN_REMOTE_URL == "" ? null : CONAN_REMOTE_URL
  }
  # Registry credentials only as secrets (files named by secret id), never as build args.
  secret = concat(["id=host_ca_bundle,src=${HOST_CA_BUNDLE}"], PACKAGE_SOURCE == "registry" ? [
    for id in ["uv_index_username", "uv_index_password", "npm_token", "cargo_registry_token", "conan_login_username", "conan_password"] :
    "id=${id},src=${REGISTRY_CREDENTIALS}/${id}"
  ] : [])
  # Loopback registries are reached with the host network by the steps that declare them.
  entitlements = PACKAGE_SOURCE == "registry" ? ["network.host"] : []
}

target "risk-monitor-operator" {
  inherits   = ["_app"]
  dockerfile = "apps/risk-monitor-operator/Dockerfile"
  tags       = ["${IMAGE_PREFIX}/risk-monitor-operator:${IMAGE_TAG}"]
}

target "patient-risk-python-api" {
  inherits   = ["_app"]
  dockerfile = "apps/patient-risk-python-api/Dockerfile"
  tags       = ["${IMAGE_PREFIX}/patient-risk-python-api:${IMAGE_TAG}"]
}

target "patient-risk-web" {
  inherits   = ["_app"]
  dockerfile = "apps/patient-risk-web/Dockerfile"
  tags       = ["${IMAGE_PREFIX}/patient-risk-web:${IMAGE_TAG}"]
}

target "dev-guide-docs" {
  inherits   = ["_app"]
  dockerfile = "apps/dev-guide-docs/Dockerfile"
  tags       = ["${IMAGE_PREFIX}/dev-guide-docs:${IMAGE_TAG}"]
}
