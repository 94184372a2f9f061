variable "project_id" {
  type        = string
  description = "Project whose APIs are enabled."
}

variable "services" {
  type        = set(string)
  description = "API service names to enable, such as run.googleapis.com."

  validation {
    condition     = alltrue([for s in var.services : can(regex("^[a-z0-9-]+\\.googleapis\\.com$", s))])
    error_message = "Each service must be an API service name ending in .googleapis.com."
  }
}
