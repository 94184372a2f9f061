variable "project_id" {
  type        = string
  description = "Project of the job and its invoker account."
}

variable "region" {
  type        = string
  description = "Region of the job and of the function it calls."
}

variable "name" {
  type        = string
  description = "Job name; the invoker account's ID is derived from it."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,20}$", var.name))
    error_message = "The name is 5-21 lowercase letters, digits and \"-\", starting with a letter."
  }
}

variable "target" {
  type = object({
    uri     = string
    service = string
  })
  description = "The function to call: its HTTPS URI (also the OIDC audience) and the Cloud Run service behind it."
}

variable "interval_seconds" {
  type        = number
  description = "Seconds between rounds (the function's INTERVAL). Cloud Scheduler fires at most once a minute, so whole minutes that divide an hour."

  validation {
    condition     = contains([60, 120, 180, 240, 300, 360, 600, 720, 900, 1200, 1800, 3600], var.interval_seconds)
    error_message = "The interval is a whole number of minutes that divides an hour: 60, 120, 180, 240, 300, 360, 600, 720, 900, 1200, 1800 or 3600 seconds."
  }
}

variable "attempt_deadline_seconds" {
  type        = number
  description = "How long the job waits for one call: the function's timeout plus a cold start."

  validation {
    condition     = var.attempt_deadline_seconds >= 15 && var.attempt_deadline_seconds <= 1800
    error_message = "Cloud Scheduler's HTTP attempt deadline is 15-1800 seconds."
  }
}

variable "time_zone" {
  type        = string
  description = "Time zone of the schedule; with whole minutes only daylight-saving jumps of hourly rounds notice it."
  default     = "Etc/UTC"
}

variable "paused" {
  type        = bool
  description = "Whether the job is created paused."
  default     = false
}
