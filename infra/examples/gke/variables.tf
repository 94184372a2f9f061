variable "project_id" {
  type        = string
  description = "Project that runs Heapster Serverless (and, here, the cluster)."

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
  description = "Name of the GKE cluster to monitor."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,39}$", var.cluster_name))
    error_message = "A GKE cluster name is 1-40 lowercase letters, digits and \"-\"."
  }
}

variable "cluster_location" {
  type        = string
  description = "Region or zone of the GKE cluster."

  validation {
    condition     = can(regex("^[a-z]+-[a-z]+[0-9]+(-[a-z])?$", var.cluster_location))
    error_message = "A location looks like europe-west1 or europe-west1-b."
  }
}

variable "events_image" {
  type        = string
  description = "Image of the events service (see the README's Deploy to GCP); null deploys without it."
  default     = null
}

variable "notification_channels" {
  type        = list(string)
  description = "Notification channels of the alert policies (projects/P/notificationChannels/N)."
  default     = []

  validation {
    condition     = alltrue([for c in var.notification_channels : can(regex("^projects/[^/]+/notificationChannels/[0-9]+$", c))])
    error_message = "Channels are full IDs: projects/PROJECT/notificationChannels/NUMBER."
  }
}
