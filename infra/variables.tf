variable "project_id" {
  type        = string
  description = "Google Cloud project that runs Heapster Serverless."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.project_id))
    error_message = "A project ID is 6-30 lowercase letters, digits and \"-\", starting with a letter."
  }
}

variable "region" {
  type        = string
  description = "Region of the function, the events service, the scheduler job and the source bucket."

  validation {
    condition     = can(regex("^[a-z]+-[a-z]+[0-9]+$", var.region))
    error_message = "A region looks like europe-west1."
  }
}

variable "name_prefix" {
  type        = string
  description = "Prefix of every resource name (function, service, accounts, secrets, metrics)."
  default     = "heapster"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,11}$", var.name_prefix))
    error_message = "The prefix is 1-12 lowercase letters, digits and \"-\", starting with a letter (service account IDs derive from it)."
  }
}

variable "cluster" {
  type = object({
    name           = string
    location       = string
    access         = optional(string, "gke")
    endpoint       = optional(string)
    ca_certificate = optional(string)
  })
  description = <<-EOT
    The monitored cluster. name is CLUSTER_NAME (the cluster_name label everywhere); location is its region or
    zone (the location label of Cloud Monitoring and Logging resources). access says how to reach it:
    "gke" with endpoint (https://IP or the DNS endpoint) and, unless the endpoint's certificate is publicly
    trusted, ca_certificate (PEM, or GKE's base64 cluster_ca_certificate); the workloads authenticate as their
    own service accounts. "kubeconfig" reads a kubeconfig from the Secret Manager secret PREFIX-kubeconfig,
    for clusters outside GKE (its user needs get/list/watch on nodes, nodes/proxy, pods, namespaces, events).
  EOT

  validation {
    condition     = can(regex("^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,99}$", var.cluster.name))
    error_message = "cluster.name is 1-100 letters, digits, \"-\", \"_\" or \".\", starting with a letter or digit."
  }
  validation {
    condition     = can(regex("^[a-z0-9-]{1,63}$", var.cluster.location))
    error_message = "cluster.location is a region or zone such as europe-west1 or europe-west1-b."
  }
  validation {
    condition     = contains(["gke", "kubeconfig"], var.cluster.access)
    error_message = "cluster.access is gke or kubeconfig."
  }
  validation {
    condition     = var.cluster.access != "gke" || can(regex("^https://[^/?#\\s]+$", var.cluster.endpoint))
    error_message = "With access = \"gke\", cluster.endpoint is the API server's https:// URL."
  }
  validation {
    condition     = var.cluster.ca_certificate == null || var.cluster.access == "gke"
    error_message = "cluster.ca_certificate is only used with access = \"gke\"; a kubeconfig carries its own CA."
  }
}

variable "sources" {
  type        = list(string)
  description = "SOURCES URIs of the scrape function; empty (the default) derives one from var.cluster. Paths of mounted secrets: /secrets/kubeconfig/kubeconfig and /secrets/cluster-ca/ca.pem. Standalone cAdvisor hosts: cadvisor:external?hostsFile=gs://BUCKET/hosts.json (the scrape account needs read access to the object) or cadvisor:coreos?fleetEndpoint=URL; sources given replace the derived one, so list the cluster's too to scrape both."
  default     = []

  validation {
    condition     = alltrue([for s in var.sources : can(regex("^(kubernetes(\\.summary_api)?:|cadvisor:(external|coreos|fleet)(\\?|$))", s))])
    error_message = "Each source is a kubernetes.summary_api: (or kubernetes:) URI, or a cadvisor:external or cadvisor:coreos one."
  }
  validation {
    condition     = length([for s in var.sources : s if startswith(s, "kubernetes")]) <= 1
    error_message = "At most one Kubernetes source: one scrape reads one cluster (cAdvisor sources may be added beside it)."
  }
}

variable "sinks" {
  type = object({
    gcm = optional(object({
      enabled = optional(bool, true)
      levels  = optional(list(string))
      metrics = optional(string)
    }), {})
    gcl = optional(object({
      enabled = optional(bool, true)
      log_id  = optional(string, "kubernetes.io/events")
    }), {})
    influxdb = optional(object({
      url        = string
      db         = optional(string, "k8s")
      credential = optional(string, "token")
      options    = optional(map(string), {})
      events     = optional(bool, true)
    }))
    extra_metric_sinks = optional(list(string), [])
    extra_event_sinks  = optional(list(string), [])
  })
  description = <<-EOT
    Where metrics and events go. gcm: Cloud Monitoring (custom.googleapis.com/heapster/*) at the given metric
    levels and metrics (core, all, autoscaling or a comma-separated list); left out, the sink's defaults: core
    on pod, node, ns and cluster (add pod_container for per-container series; on GKE, Cloud Monitoring's free
    kubernetes.io/container/* metrics have them). gcl: events to Cloud Logging under log_id.
    influxdb: Heapster's schema at url (http(s)://HOST:PORT), database db; credential says which secret the
    sink reads: "token" (INFLUXDB_TOKEN, a 2.x token or user:password), "password" (INFLUXDB_PASSWORD, with
    options.user) or "none"; options are further URI options (withfields, retention, org, bucket, ...); events
    also writes events there. extra_*_sinks are further URIs taken as they are.
  EOT
  default     = {}

  validation {
    condition     = var.sinks.gcm.levels == null ? true : length(var.sinks.gcm.levels) > 0 && alltrue([for l in var.sinks.gcm.levels : contains(["pod_container", "pod", "ns", "node", "sys_container", "cluster"], l)])
    error_message = "gcm.levels are among pod_container, pod, ns, node, sys_container and cluster (null: pod, node, ns and cluster)."
  }
  validation {
    condition     = var.sinks.gcm.metrics == null ? true : contains(["core", "all", "autoscaling"], var.sinks.gcm.metrics) || (can(regex("^[a-z0-9_]+(/[a-z0-9_]+)?(,[a-z0-9_]+(/[a-z0-9_]+)?)*$", var.sinks.gcm.metrics)) && length(setintersection(split(",", var.sinks.gcm.metrics), ["core", "all", "autoscaling"])) == 0)
    error_message = "gcm.metrics is core (null: the default), all, autoscaling or a comma-separated list of metric names such as cpu/usage_rate."
  }
  validation {
    condition     = can(regex("^[A-Za-z0-9/_.-]{1,511}$", var.sinks.gcl.log_id))
    error_message = "gcl.log_id is a log ID: letters, digits, \"/\", \"_\", \"-\" and \".\"."
  }
  validation {
    condition     = var.sinks.influxdb == null || can(regex("^https?://[^?#\\s]+$", try(var.sinks.influxdb.url, "")))
    error_message = "influxdb.url is http(s)://HOST:PORT without options: they go in influxdb.options."
  }
  validation {
    condition     = var.sinks.influxdb == null || contains(["token", "password", "none"], try(var.sinks.influxdb.credential, ""))
    error_message = "influxdb.credential is token, password or none."
  }
  validation {
    condition     = var.sinks.influxdb == null || length(setintersection(keys(try(var.sinks.influxdb.options, {})), ["token", "pw", "db"])) == 0
    error_message = "influxdb.options may not hold token, pw or db: credentials come from the secret, db from influxdb.db."
  }
  validation {
    condition     = alltrue([for s in concat(var.sinks.extra_metric_sinks, var.sinks.extra_event_sinks) : !can(regex("(token|pw)=[^&\\s]", s)) || can(regex("(token|pw)=secret:", s))])
    error_message = "Credentials in extra sinks must be secret references (token=secret:NAME), never values."
  }
  validation {
    condition     = var.sinks.gcm.enabled || var.sinks.influxdb != null || length(var.sinks.extra_metric_sinks) > 0
    error_message = "Metrics need somewhere to go: enable gcm, set influxdb or give an extra metric sink."
  }
}

variable "resolution_seconds" {
  type        = number
  description = "Seconds between scrape rounds (INTERVAL); rates are per this step. Cloud Scheduler fires at most once a minute."
  default     = 60

  validation {
    condition     = contains([60, 120, 180, 240, 300, 360, 600, 720, 900, 1200, 1800, 3600], var.resolution_seconds)
    error_message = "The resolution is a whole number of minutes that divides an hour: 60, 120, 180, 240, 300, 360, 600, 720, 900, 1200, 1800 or 3600 seconds."
  }
}

variable "scrape_resolution_seconds" {
  type        = number
  description = "Seconds between rounds within one scheduled call (RESOLUTION), for sub-minute resolution: 15 or 30 make each call run resolution_seconds / this many rounds, each stamped with its own slot time. null: one round per call. With rounds, one call lasts its whole interval, so scrape.timeout_seconds must be at least resolution_seconds + 5."
  default     = null

  validation {
    condition     = var.scrape_resolution_seconds == null || try(var.scrape_resolution_seconds >= 5 && floor(var.scrape_resolution_seconds) == var.scrape_resolution_seconds && var.resolution_seconds % var.scrape_resolution_seconds == 0, false)
    error_message = "scrape_resolution_seconds is a whole number of seconds, at least 5, that divides resolution_seconds (15 or 30 for a 60 s interval), or null."
  }
}

variable "scrape" {
  type = object({
    timeout_seconds        = optional(number, 50)
    memory                 = optional(string, "1Gi")
    cpu                    = optional(string, "1")
    log_level              = optional(string, "INFO")
    label_separator        = optional(string, ",")
    system_container_names = optional(string, "heapster")
    build_service_account  = optional(string)
  })
  description = "The scrape function: timeout (FUNCTION_TIMEOUT; under the resolution), size, LOG_LEVEL, LABEL_SEPARATOR, SYSTEM_CONTAINER_NAMES, and the account Cloud Build builds it with (null for the project's default)."
  default     = {}

  validation {
    condition     = var.scrape.timeout_seconds >= 20 && var.scrape.timeout_seconds <= 1790 && floor(var.scrape.timeout_seconds) == var.scrape.timeout_seconds
    error_message = "scrape.timeout_seconds is a whole number from 20 (a 10 s node timeout and the answer's margin) to 1790."
  }
  validation {
    condition     = var.scrape.timeout_seconds < var.resolution_seconds || var.scrape_resolution_seconds != null
    error_message = "scrape.timeout_seconds must be shorter than resolution_seconds: a round ends before the next one starts."
  }
  validation {
    condition     = var.scrape_resolution_seconds == null || var.scrape.timeout_seconds >= var.resolution_seconds + 5
    error_message = "With scrape_resolution_seconds one call runs a round per slot for its whole interval: scrape.timeout_seconds must be at least resolution_seconds + 5 (65 for 60)."
  }
  validation {
    condition     = contains(["DEBUG", "INFO", "NOTICE", "WARNING", "ERROR", "CRITICAL"], var.scrape.log_level)
    error_message = "scrape.log_level is DEBUG, INFO, NOTICE, WARNING, ERROR or CRITICAL."
  }
  validation {
    condition     = contains(["heapster", "kubelet"], var.scrape.system_container_names)
    error_message = "scrape.system_container_names is heapster or kubelet."
  }
  validation {
    condition     = can(regex("^[0-9]+(Mi|Gi)$", var.scrape.memory)) && can(regex("^[0-9.]+$", var.scrape.cpu))
    error_message = "scrape.memory is like 1Gi and scrape.cpu like 1 or 0.5."
  }
}

variable "sharding" {
  type = object({
    enabled               = optional(bool, false)
    shard_size            = optional(number, 250)
    max_instances         = optional(number, 20)
    max_delivery_attempts = optional(number, 5)
  })
  description = "Sharded rounds for large clusters: the scheduled function publishes shards of shard_size nodes to Pub/Sub and the scrapeShard target (up to max_instances at once) scrapes each; a shard failing max_delivery_attempts times goes to the dead-letter topic. Needs a package whose code has the scrapeShard target."
  default     = {}

  validation {
    condition     = var.sharding.shard_size >= 10 && var.sharding.shard_size <= 5000
    error_message = "sharding.shard_size is 10-5000 nodes."
  }
  validation {
    condition     = var.sharding.max_instances >= 1 && var.sharding.max_instances <= 1000
    error_message = "sharding.max_instances is 1-1000."
  }
  validation {
    condition     = var.sharding.max_delivery_attempts >= 5 && var.sharding.max_delivery_attempts <= 100
    error_message = "sharding.max_delivery_attempts is 5-100 (Pub/Sub's dead-letter limits)."
  }
}

variable "events" {
  type = object({
    enabled               = optional(bool, true)
    image                 = optional(string)
    api                   = optional(string, "events.k8s.io/v1")
    lease_ttl_seconds     = optional(number, 15)
    watch_timeout_seconds = optional(number, 290)
    log_level             = optional(string, "INFO")
    cpu                   = optional(string, "1")
    memory                = optional(string, "512Mi")
  })
  description = "The events service on Cloud Run: its container image (see the README), the event API to watch, LEASE_TTL, WATCH_TIMEOUT, LOG_LEVEL and size."
  default     = {}

  validation {
    condition     = !var.events.enabled || var.events.image != null
    error_message = "events.image is required while the events service is enabled: build it as the README's Deploy to GCP says."
  }
  validation {
    condition     = contains(["core/v1", "events.k8s.io/v1"], var.events.api)
    error_message = "events.api is core/v1 or events.k8s.io/v1."
  }
  validation {
    condition     = var.events.lease_ttl_seconds >= 3 && var.events.lease_ttl_seconds <= 300
    error_message = "events.lease_ttl_seconds is 3-300."
  }
  validation {
    condition     = var.events.watch_timeout_seconds >= 10 && var.events.watch_timeout_seconds <= 3600
    error_message = "events.watch_timeout_seconds is 10-3600."
  }
  validation {
    condition     = contains(["DEBUG", "INFO", "NOTICE", "WARNING", "ERROR", "CRITICAL"], var.events.log_level)
    error_message = "events.log_level is DEBUG, INFO, NOTICE, WARNING, ERROR or CRITICAL."
  }
}

variable "firestore" {
  type = object({
    database          = optional(string, "heapster")
    location          = optional(string)
    delete_protection = optional(bool, true)
  })
  description = "The Firestore database (native mode) that holds counters and the events checkpoint: its ID, location (the region when null) and delete protection."
  default     = {}

  validation {
    condition     = var.firestore.database == "(default)" || can(regex("^[a-z][a-z0-9-]{2,61}[a-z0-9]$", var.firestore.database))
    error_message = "firestore.database is \"(default)\" or 4-63 lowercase letters, digits and \"-\"."
  }
}

variable "vpc_access" {
  type = object({
    connector  = optional(string)
    network    = optional(string)
    subnetwork = optional(string)
    egress     = optional(string, "private-ranges-only")
  })
  description = "For a cluster whose endpoint is private: a Serverless VPC Access connector (projects/P/locations/R/connectors/N), or Direct VPC egress on network/subnetwork; egress is private-ranges-only or all-traffic. Null when the endpoint is reachable without."
  default     = null

  validation {
    condition     = var.vpc_access == null || (try(var.vpc_access.connector, null) != null) != (try(var.vpc_access.network, null) != null || try(var.vpc_access.subnetwork, null) != null)
    error_message = "Give either vpc_access.connector or vpc_access.network/subnetwork, not both."
  }
  validation {
    condition     = var.vpc_access == null || contains(["private-ranges-only", "all-traffic"], try(var.vpc_access.egress, ""))
    error_message = "vpc_access.egress is private-ranges-only or all-traffic."
  }
}

variable "alerts" {
  type = object({
    notification_channels = optional(list(string), [])
    missed_rounds         = optional(number, 3)
    events_quiet_minutes  = optional(number, 60)
  })
  description = "Alert policies: the channels they notify, how many intervals without a successful round raise one, and how many minutes without a written event occurrence do (0 turns that off)."
  default     = {}

  validation {
    condition     = var.alerts.missed_rounds >= 1 && var.alerts.missed_rounds <= 24
    error_message = "alerts.missed_rounds is 1-24."
  }
  validation {
    condition     = var.alerts.events_quiet_minutes == 0 || (var.alerts.events_quiet_minutes >= 2 && var.alerts.events_quiet_minutes <= 1440)
    error_message = "alerts.events_quiet_minutes is 0 (off) or 2-1440."
  }
}

variable "source_archive" {
  type        = string
  description = "Path of the zip `npm run package` wrote; null for dist/heapster-serverless.zip in this checkout."
  default     = null

  validation {
    condition     = var.source_archive == null || endswith(coalesce(var.source_archive, "-"), ".zip")
    error_message = "source_archive is the .zip that `npm run package` prints."
  }
}

variable "enable_apis" {
  type        = bool
  description = "Whether to enable the APIs the deployment uses (needs serviceusage.services.enable)."
  default     = true
}

variable "labels" {
  type        = map(string)
  description = "Labels on the resources that take them."
  default     = {}

  validation {
    condition     = alltrue([for k, v in var.labels : can(regex("^[a-z][a-z0-9_-]{0,62}$", k)) && can(regex("^[a-z0-9_-]{0,63}$", v))])
    error_message = "Label keys are lowercase letters, digits, \"_\" and \"-\" starting with a letter; values the same without the rule on the first character."
  }
}
