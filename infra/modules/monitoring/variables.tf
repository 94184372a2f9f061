variable "project_id" {
  type        = string
  description = "Project of the metrics, dashboard and alert policies."
}

variable "name_prefix" {
  type        = string
  description = "Prefix of the log-based metric names (PREFIX/scrape_rounds, ...)."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,19}$", var.name_prefix))
    error_message = "The prefix is 1-20 lowercase letters, digits and \"-\", starting with a letter."
  }
}

variable "cluster_name" {
  type        = string
  description = "CLUSTER_NAME of the deployment: the dashboard's queries select it."

  validation {
    condition     = can(regex("^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,99}$", var.cluster_name))
    error_message = "The cluster name is 1-100 letters, digits, \"-\", \"_\" or \".\", starting with a letter or digit."
  }
}

variable "scrape_function" {
  type        = string
  description = "Name of the scrape function, whose logs carry the round reports."
}

variable "events_service" {
  type        = string
  description = "Name of the events service; null when it is not deployed."
  default     = null
}

variable "event_log_id" {
  type        = string
  description = "Log ID the gcl event sink writes to; null when events do not go to Cloud Logging."
  default     = null
}

variable "interval_seconds" {
  type        = number
  description = "Seconds between scrape rounds."

  validation {
    condition     = var.interval_seconds >= 60 && var.interval_seconds % 60 == 0
    error_message = "The interval is a whole number of minutes."
  }
}

variable "missed_rounds" {
  type        = number
  description = "Alert when this many intervals pass without a successful round (at least two minutes in all)."
  default     = 3

  validation {
    condition     = var.missed_rounds >= 1 && var.missed_rounds <= 24 && floor(var.missed_rounds) == var.missed_rounds
    error_message = "missed_rounds is a whole number from 1 to 24."
  }
}

variable "events_quiet_minutes" {
  type        = number
  description = "Alert when no event occurrence is written for this many minutes; 0 turns that condition off (for clusters that are often quiet)."
  default     = 60

  validation {
    condition     = var.events_quiet_minutes == 0 || (var.events_quiet_minutes >= 2 && var.events_quiet_minutes <= 1440)
    error_message = "events_quiet_minutes is 0 (off) or 2-1440."
  }
}

variable "notification_channels" {
  type        = list(string)
  description = "Notification channel IDs (projects/P/notificationChannels/N) the alert policies notify."
  default     = []

  validation {
    condition     = alltrue([for c in var.notification_channels : can(regex("^projects/[^/]+/notificationChannels/[0-9]+$", c))])
    error_message = "Channels are full IDs: projects/PROJECT/notificationChannels/NUMBER."
  }
}
