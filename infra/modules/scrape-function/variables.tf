variable "project_id" {
  type        = string
  description = "Project of the function and its service account."
}

variable "region" {
  type        = string
  description = "Region of the function."
}

variable "name" {
  type        = string
  description = "Function name; also the service account's ID and the prefix of the sharding topics."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,23}$", var.name))
    error_message = "The name is 5-24 lowercase letters, digits and \"-\", starting with a letter (it is also a service account ID)."
  }
}

variable "source_archive" {
  type = object({
    bucket = string
    object = string
  })
  description = "Cloud Storage object of the zip built by `npm run package`."
}

variable "environment" {
  type        = map(string)
  description = "Plain environment variables: SOURCES, SINKS, CLUSTER_NAME, INTERVAL and the rest. No secret values: those go in secret_environment or secret_files."

  validation {
    condition     = alltrue([for v in values(var.environment) : !can(regex("(token|pw)=[^&\\s]", v)) || can(regex("(token|pw)=secret:", v))])
    error_message = "Credentials in URIs must be secret references (token=secret:NAME), never values."
  }
}

variable "secret_environment" {
  type        = map(string)
  description = "Environment variables read from Secret Manager (latest version), variable name to secret ID."
  default     = {}
}

variable "secret_files" {
  type = map(object({
    secret = string
    file   = string
  }))
  description = "Secrets mounted as files (latest version), mount directory to secret ID and file name."
  default     = {}
}

variable "timeout_seconds" {
  type        = number
  description = "The function's timeout; FUNCTION_TIMEOUT must say the same."

  validation {
    condition     = var.timeout_seconds >= 20 && var.timeout_seconds <= 1790
    error_message = "The timeout is 20-1790 seconds (Cloud Scheduler waits at most 30 minutes)."
  }
}

variable "memory" {
  type        = string
  description = "Memory of an instance, such as 1Gi."
  default     = "1Gi"
}

variable "cpu" {
  type        = string
  description = "vCPUs of an instance, such as 1."
  default     = "1"
}

variable "write_metrics" {
  type        = bool
  description = "Whether the function writes to Cloud Monitoring (the gcm sink), which needs roles/monitoring.metricWriter."
}

variable "cluster_access" {
  type        = string
  description = "How the function reaches the cluster: gke (its own identity, needs roles/container.viewer) or kubeconfig (a kubeconfig secret, no Google role)."

  validation {
    condition     = contains(["gke", "kubeconfig"], var.cluster_access)
    error_message = "cluster_access is gke or kubeconfig."
  }
}

variable "sharding" {
  type = object({
    enabled               = bool
    shard_size            = number
    max_instances         = number
    max_delivery_attempts = number
  })
  description = "Sharded rounds: the scrape function publishes one message per shard of nodes and the scrapeShard target scrapes each."

  validation {
    condition     = var.sharding.max_delivery_attempts >= 5 && var.sharding.max_delivery_attempts <= 100
    error_message = "Pub/Sub allows 5-100 delivery attempts before dead-lettering."
  }
}

variable "vpc_access" {
  type = object({
    connector  = optional(string)
    network    = optional(string)
    subnetwork = optional(string)
    egress     = optional(string, "private-ranges-only")
  })
  description = "Egress into a VPC for a private cluster endpoint: a Serverless VPC Access connector, or Direct VPC egress on a network/subnetwork. Null for none."
  default     = null

  validation {
    condition     = var.vpc_access == null || contains(["private-ranges-only", "all-traffic"], try(var.vpc_access.egress, ""))
    error_message = "egress is private-ranges-only or all-traffic."
  }
}

variable "build_service_account" {
  type        = string
  description = "Full resource name of the service account Cloud Build uses to build the function; null for the project's default."
  default     = null
}

variable "labels" {
  type        = map(string)
  description = "Labels on the function and topics."
  default     = {}
}
