variable "project_id" {
  type        = string
  description = "Project of the service and its service account."
}

variable "region" {
  type        = string
  description = "Region of the Cloud Run service."
}

variable "name" {
  type        = string
  description = "Service name; also the service account's ID."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,23}$", var.name))
    error_message = "The name is 5-24 lowercase letters, digits and \"-\", starting with a letter (it is also a service account ID)."
  }
}

variable "image" {
  type        = string
  description = "Container image of the events service, built from the package (see the README's Deploy to GCP)."

  validation {
    condition     = can(regex("^[a-z0-9.-]+(:[0-9]+)?/[^\\s]+$", var.image))
    error_message = "The image is a registry reference such as europe-west1-docker.pkg.dev/PROJECT/heapster/events:TAG."
  }
}

variable "environment" {
  type        = map(string)
  description = "Plain environment variables: SOURCE, SINKS, CLUSTER_NAME, LEASE_TTL and the rest. No secret values."

  validation {
    condition     = alltrue([for v in values(var.environment) : !can(regex("(token|pw)=[^&\\s]", v)) || can(regex("(token|pw)=secret:", v))])
    error_message = "Credentials in URIs must be secret references (token=secret:NAME), never values."
  }
  validation {
    condition     = !contains(keys(var.environment), "PORT")
    error_message = "Cloud Run sets PORT itself."
  }
  validation {
    condition     = !contains(keys(var.environment), "NODE_OPTIONS") && !contains(keys(var.environment), "MALLOC_ARENA_MAX")
    error_message = "NODE_OPTIONS and MALLOC_ARENA_MAX are set by the module (see heap_limit_mib)."
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

variable "write_logs" {
  type        = bool
  description = "Whether the service writes events to Cloud Logging (the gcl sink), which needs roles/logging.logWriter."
}

variable "cluster_access" {
  type        = string
  description = "How the service reaches the cluster: gke (its own identity, needs roles/container.viewer) or kubeconfig (a kubeconfig secret, no Google role)."

  validation {
    condition     = contains(["gke", "kubeconfig"], var.cluster_access)
    error_message = "cluster_access is gke or kubeconfig."
  }
}

variable "cpu" {
  type        = string
  description = "vCPUs of the instance; always allocated, so at least one."
  default     = "1"

  validation {
    condition     = contains(["1", "2", "4"], var.cpu)
    error_message = "cpu is 1, 2 or 4: a CPU that is always allocated cannot be a fraction."
  }
}

variable "memory" {
  type        = string
  description = "Memory of the instance, such as 512Mi."
  default     = "512Mi"

  validation {
    condition     = can(regex("^[0-9]+(Mi|Gi)$", var.memory))
    error_message = "Memory is a quantity in Mi or Gi, such as 512Mi."
  }
}

variable "heap_limit_mib" {
  type        = number
  description = "The V8 old-space cap of the service (node's --max-old-space-size), in MiB. The events benchmark (100,000 events relisted, then 1000 events/s) keeps under 60 MiB of it live; the process needs about 80 MiB more (young generation, code, buffers), which memory must leave room for."
  default     = 96

  validation {
    condition     = var.heap_limit_mib >= 64 && var.heap_limit_mib <= 4096
    error_message = "heap_limit_mib is 64-4096."
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

variable "deletion_protection" {
  type        = bool
  description = "Whether Terraform refuses to delete the service."
  default     = false
}

variable "labels" {
  type        = map(string)
  description = "Labels on the service."
  default     = {}
}
