resource "google_service_account" "events" {
  project      = var.project_id
  account_id   = var.name
  display_name = "Heapster events service"
  description  = "Watches Kubernetes events, writes each occurrence once and keeps the lease and checkpoint."
}

locals {
  member = "serviceAccount:${google_service_account.events.email}"
  # The only project-wide roles this identity ever holds.
  project_roles = toset(concat(
    ["roles/datastore.user"],
    var.write_logs ? ["roles/logging.logWriter"] : [],
    var.cluster_access == "gke" ? ["roles/container.viewer"] : [],
  ))
  secret_grants = merge(
    { for name, secret in var.secret_environment : "env-${name}" => secret },
    { for dir, f in var.secret_files : "file-${dir}" => f.secret },
  )
  # Volume names are short and stable per mount directory.
  volumes = { for dir, f in var.secret_files : dir => merge(f, { name = "secret-${substr(sha1(dir), 0, 10)}" }) }

  connector  = try(var.vpc_access.connector, null)
  direct     = var.vpc_access != null && local.connector == null
  vpc_egress = try(var.vpc_access.egress, "") == "all-traffic" ? "ALL_TRAFFIC" : "PRIVATE_RANGES_ONLY"
  port       = 8080
}

resource "google_project_iam_member" "events" {
  for_each = local.project_roles

  project = var.project_id
  role    = each.value
  member  = local.member
}

resource "google_secret_manager_secret_iam_member" "events" {
  for_each = local.secret_grants

  project   = var.project_id
  secret_id = each.value
  role      = "roles/secretmanager.secretAccessor"
  member    = local.member
}

# Nobody invokes this service: it has no invoker binding, only internal ingress, and serves the probes.
resource "google_cloud_run_v2_service" "events" {
  project              = var.project_id
  location             = var.region
  name                 = var.name
  description          = "Heapster events: watches Kubernetes events and writes each occurrence once."
  labels               = var.labels
  ingress              = "INGRESS_TRAFFIC_INTERNAL_ONLY"
  invoker_iam_disabled = false
  deletion_protection  = var.deletion_protection

  template {
    service_account                  = google_service_account.events.email
    execution_environment            = "EXECUTION_ENVIRONMENT_GEN2"
    max_instance_request_concurrency = 10

    # Exactly one watcher. During a deploy the new revision's instance starts before the old one stops: the
    # Firestore lease lets only one of them write.
    scaling {
      min_instance_count = 1
      max_instance_count = 1
    }

    dynamic "vpc_access" {
      for_each = var.vpc_access == null ? [] : [var.vpc_access]
      content {
        connector = local.connector
        egress    = local.vpc_egress
        dynamic "network_interfaces" {
          for_each = local.direct ? [vpc_access.value] : []
          content {
            network    = network_interfaces.value.network
            subnetwork = network_interfaces.value.subnetwork
          }
        }
      }
    }

    containers {
      name  = "events"
      image = var.image

      ports {
        container_port = local.port
      }

      # The watch runs between requests, so the CPU stays allocated (instance-based billing).
      resources {
        limits = {
          cpu    = var.cpu
          memory = var.memory
        }
        cpu_idle          = false
        startup_cpu_boost = true
      }

      # A V8 heap cap that holds the working set: without one the heap grows freely during a large relist and
      # the instance's memory must cover the peak. Young objects (a page of events, a batch being written) die
      # young: 4 MiB semi-spaces instead of 16 keep 24 MiB off the RSS for a few more cheap scavenges.
      # NODE_OPTIONS is how a Cloud Run container passes node flags.
      env {
        name  = "NODE_OPTIONS"
        value = "--max-old-space-size=${var.heap_limit_mib} --max-semi-space-size=4"
      }

      # glibc gives threads that allocate (node's thread pool: DNS lookups, compression, crypto) arenas of their
      # own, which mostly stay resident; two arenas measured about 10 MiB less RSS in the events benchmark.
      env {
        name  = "MALLOC_ARENA_MAX"
        value = "2"
      }

      dynamic "env" {
        for_each = var.environment
        content {
          name  = env.key
          value = env.value
        }
      }

      dynamic "env" {
        for_each = var.secret_environment
        content {
          name = env.key
          value_source {
            secret_key_ref {
              secret  = env.value
              version = "latest"
            }
          }
        }
      }

      dynamic "volume_mounts" {
        for_each = local.volumes
        content {
          name       = volume_mounts.value.name
          mount_path = volume_mounts.key
        }
      }

      # Ready once it holds the lease and watches, or stands by behind another holder.
      startup_probe {
        initial_delay_seconds = 0
        period_seconds        = 10
        timeout_seconds       = 5
        failure_threshold     = 30
        http_get {
          path = "/readyz"
          port = local.port
        }
      }

      # Failing when the watch loop stopped or saw nothing (not even a bookmark) for a watch timeout and a minute.
      liveness_probe {
        period_seconds    = 30
        timeout_seconds   = 5
        failure_threshold = 3
        http_get {
          path = "/healthz"
          port = local.port
        }
      }
    }

    dynamic "volumes" {
      for_each = local.volumes
      content {
        name = volumes.value.name
        secret {
          secret = volumes.value.secret
          items {
            version = "latest"
            path    = volumes.value.file
          }
        }
      }
    }
  }

  depends_on = [google_secret_manager_secret_iam_member.events]
}
