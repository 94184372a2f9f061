variable "project_id" {
  type        = string
  description = "Project that holds the source bucket."
}

variable "location" {
  type        = string
  description = "Bucket location: the functions' region keeps the build's download local."
}

variable "bucket_name" {
  type        = string
  description = "Globally unique name of the bucket that keeps the deployable archive."

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9_.-]{1,61}[a-z0-9]$", var.bucket_name))
    error_message = "A bucket name is 3-63 lowercase letters, digits, \"-\", \"_\" or \".\"."
  }
}

variable "archive_path" {
  type        = string
  description = "Local path of the zip that `npm run package` wrote."

  validation {
    condition     = endswith(var.archive_path, ".zip")
    error_message = "The archive is the .zip that `npm run package` prints at the end."
  }
}

variable "force_destroy" {
  type        = bool
  description = "Whether destroying the deployment may delete the bucket with its objects."
  default     = true
}

variable "labels" {
  type        = map(string)
  description = "Labels on the bucket."
  default     = {}
}
