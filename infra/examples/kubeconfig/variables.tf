variable "project_id" {
  type        = string
  description = "Project that runs Heapster Serverless."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.project_id))
    error_message = "A project ID is 6-30 lowercase letters, digits and \"-\", starting with a letter."
  }
}

variable "region" {
  type        = string
  description = "Region of the deployment, such as europe-west1."

  validation {
    condition     = can(regex("^[a-z]+-[a-z]+[0-9]+$", var.region))
    error_message = "A region looks like europe-west1."
  }
}

variable "cluster_name" {
  type        = string
  description = "CLUSTER_NAME: the cluster_name label of every metric and event."

  validation {
    condition     = can(regex("^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,99}$", var.cluster_name))
    error_message = "The name is 1-100 letters, digits, \"-\", \"_\" or \".\", starting with a letter or digit."
  }
}

variable "cluster_location" {
  type        = string
  description = "Where the cluster runs, as the location label of Cloud Monitoring and Logging resources (a region name, or a label of your own such as on-prem-1)."

  validation {
    condition     = can(regex("^[a-z0-9-]{1,63}$", var.cluster_location))
    error_message = "The location is 1-63 lowercase letters, digits and \"-\"."
  }
}

variable "influxdb_url" {
  type        = string
  description = "InfluxDB the metrics also go to (http(s)://HOST:8086); null for Cloud Monitoring only."
  default     = null

  validation {
    condition     = var.influxdb_url == null || can(regex("^https?://[^?#\\s]+$", coalesce(var.influxdb_url, "-")))
    error_message = "The URL is http(s)://HOST:PORT."
  }
}

variable "connector" {
  type        = string
  description = "Serverless VPC Access connector (projects/P/locations/R/connectors/N) when the API server is only reachable inside a VPC; null otherwise."
  default     = null
}

variable "events_image" {
  type        = string
  description = "Image of the events service (see the README's Deploy to GCP); null deploys without it."
  default     = null
}
