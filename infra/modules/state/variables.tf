variable "project_id" {
  type        = string
  description = "Project of the Firestore database and the secrets."
}

variable "database_id" {
  type        = string
  description = "Firestore database ID: counters, the events lease and the checkpoint journal live under heapster/<cluster>."

  validation {
    condition     = var.database_id == "(default)" || can(regex("^[a-z][a-z0-9-]{2,61}[a-z0-9]$", var.database_id))
    error_message = "A database ID is \"(default)\" or 4-63 lowercase letters, digits and \"-\", starting with a letter."
  }
}

variable "location" {
  type        = string
  description = "Firestore location: a region such as europe-west1 or a multi-region such as eur3."
}

variable "delete_protection" {
  type        = bool
  description = "Protects the database from deletion; when true, destroying the deployment leaves it in place."
  default     = true
}

variable "secrets" {
  type        = map(string)
  description = "Secret Manager secrets to create, by role (influxdb, kubeconfig, cluster_ca) to secret ID. Their values are added by the operator, not by Terraform, except cluster_ca."

  validation {
    condition     = alltrue([for role in keys(var.secrets) : contains(["influxdb", "kubeconfig", "cluster_ca"], role)])
    error_message = "Secret roles are influxdb, kubeconfig and cluster_ca."
  }
  validation {
    condition     = alltrue([for id in values(var.secrets) : can(regex("^[A-Za-z0-9_-]{1,255}$", id))])
    error_message = "A secret ID is 1-255 letters, digits, \"-\" and \"_\"."
  }
}

variable "cluster_ca_pem" {
  type        = string
  description = "PEM certificate of the GKE cluster's CA, stored as the cluster_ca secret's version; public data, so holding it in state is harmless. Null when there is none."
  default     = null

  validation {
    condition     = var.cluster_ca_pem == null || can(regex("-----BEGIN CERTIFICATE-----", var.cluster_ca_pem))
    error_message = "The cluster CA must be a PEM certificate (decode GKE's base64 cluster_ca_certificate first)."
  }
}

variable "labels" {
  type        = map(string)
  description = "Labels on the secrets."
  default     = {}
}
