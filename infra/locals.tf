# The URIs and environment the workloads read, composed from the variables. Secrets appear only as
# references (token=secret:INFLUXDB_TOKEN) and mounted file paths: their values never pass through Terraform.

locals {
  name = var.name_prefix
  gke  = var.cluster.access == "gke"

  # Where Secret Manager secrets appear inside the workloads.
  kubeconfig_dir = "/secrets/kubeconfig"
  cluster_ca_dir = "/secrets/cluster-ca"
  # GKE hands out the CA base64-encoded; a PEM passes as it is.
  cluster_ca_pem = var.cluster.ca_certificate == null ? null : (
    startswith(trimspace(var.cluster.ca_certificate), "-----BEGIN") ? var.cluster.ca_certificate : base64decode(var.cluster.ca_certificate)
  )

  influxdb            = var.sinks.influxdb
  influxdb_credential = local.influxdb == null ? "none" : local.influxdb.credential
  influxdb_secret_env = { token = "INFLUXDB_TOKEN", password = "INFLUXDB_PASSWORD", none = "" }[local.influxdb_credential]

  secret_ids = merge(
    local.influxdb_credential == "none" ? {} : { influxdb = "${local.name}-influxdb-${local.influxdb_credential}" },
    local.gke ? {} : { kubeconfig = "${local.name}-kubeconfig" },
    local.cluster_ca_pem == null ? {} : { cluster_ca = "${local.name}-cluster-ca" },
  )
  secret_environment = local.influxdb_credential == "none" ? {} : { (local.influxdb_secret_env) = local.secret_ids.influxdb }
  secret_files = merge(
    local.gke ? {} : { (local.kubeconfig_dir) = { secret = local.secret_ids.kubeconfig, file = "kubeconfig" } },
    local.cluster_ca_pem == null ? {} : { (local.cluster_ca_dir) = { secret = local.secret_ids.cluster_ca, file = "ca.pem" } },
  )

  # How both workloads reach the API server.
  kube_url     = local.gke ? var.cluster.endpoint : ""
  kube_auth    = local.gke ? join("&", compact(["auth=google", local.cluster_ca_pem == null ? "" : "ca=${local.cluster_ca_dir}/ca.pem"])) : "auth=${local.kubeconfig_dir}/kubeconfig"
  sources      = length(var.sources) > 0 ? var.sources : ["kubernetes.summary_api:${local.kube_url}?${local.kube_auth}"]
  event_source = join("&", ["kubernetes:${local.kube_url}?${local.kube_auth}", "api=${var.events.api}"])

  gcm = var.sinks.gcm
  # Levels and metrics left out are the sink's own defaults.
  gcm_sink = join("&", compact([
    "gcm?project=${var.project_id}",
    "location=${var.cluster.location}",
    local.gcm.levels == null ? "" : "levels=${join(",", local.gcm.levels)}",
    local.gcm.metrics == null ? "" : "metrics=${local.gcm.metrics}",
  ]))
  gcl_sink = "gcl?project=${var.project_id}&location=${var.cluster.location}&log=${var.sinks.gcl.log_id}"
  influxdb_sink = local.influxdb == null ? "" : join("&", concat(
    ["influxdb:${local.influxdb.url}?db=${local.influxdb.db}"],
    local.influxdb_credential == "token" ? ["token=secret:INFLUXDB_TOKEN"] : [],
    local.influxdb_credential == "password" ? ["pw=secret:INFLUXDB_PASSWORD"] : [],
    [for k, v in local.influxdb.options : "${k}=${v}"],
  ))

  metric_sinks = compact(concat(
    [local.gcm.enabled ? local.gcm_sink : "", local.influxdb_sink],
    var.sinks.extra_metric_sinks,
  ))
  event_sinks_wanted = compact(concat(
    [var.sinks.gcl.enabled ? local.gcl_sink : "", try(local.influxdb.events, false) ? local.influxdb_sink : ""],
    var.sinks.extra_event_sinks,
  ))
  # The log sink prints each occurrence on stdout (Cloud Logging keeps it) when no other sink is chosen.
  event_sinks = length(local.event_sinks_wanted) > 0 ? local.event_sinks_wanted : ["log"]

  scrape_environment = {
    SOURCES                = join(" ", local.sources)
    SINKS                  = join(" ", local.metric_sinks)
    CLUSTER_NAME           = var.cluster.name
    INTERVAL               = "${var.resolution_seconds}s"
    RESOLUTION             = "${coalesce(var.scrape_resolution_seconds, var.resolution_seconds)}s"
    FUNCTION_TIMEOUT       = "${var.scrape.timeout_seconds}s"
    STATE_STORE            = "firestore"
    FIRESTORE_DATABASE     = var.firestore.database
    LOG_LEVEL              = var.scrape.log_level
    LABEL_SEPARATOR        = var.scrape.label_separator
    SYSTEM_CONTAINER_NAMES = var.scrape.system_container_names
  }

  events_environment = {
    SOURCE             = local.event_source
    SINKS              = join(" ", local.event_sinks)
    CLUSTER_NAME       = var.cluster.name
    STATE_STORE        = "firestore"
    FIRESTORE_DATABASE = var.firestore.database
    LEASE_TTL          = "${var.events.lease_ttl_seconds}s"
    WATCH_TIMEOUT      = "${var.events.watch_timeout_seconds}s"
    LOG_LEVEL          = var.events.log_level
  }

  apis = concat(
    [
      "cloudbuild.googleapis.com",
      "artifactregistry.googleapis.com",
      "cloudfunctions.googleapis.com",
      "run.googleapis.com",
      "cloudscheduler.googleapis.com",
      "firestore.googleapis.com",
      "secretmanager.googleapis.com",
      "monitoring.googleapis.com",
      "logging.googleapis.com",
      "iam.googleapis.com",
      "storage.googleapis.com",
    ],
    var.sharding.enabled ? ["pubsub.googleapis.com"] : [],
    try(var.vpc_access.connector, null) != null ? ["vpcaccess.googleapis.com"] : [],
  )
}
