resource "google_service_account" "scrape" {
  project      = var.project_id
  account_id   = var.name
  display_name = "Heapster scrape function"
  description  = "Runs the scrape rounds: reads the cluster, writes metrics and counters."
}

locals {
  member = "serviceAccount:${google_service_account.scrape.email}"
  # The only project-wide roles this identity ever holds.
  project_roles = toset(concat(
    ["roles/datastore.user"],
    var.write_metrics ? ["roles/monitoring.metricWriter"] : [],
    var.cluster_access == "gke" ? ["roles/container.viewer"] : [],
  ))
  # Access to exactly the secrets this function mounts; keys are static so plans never wait on IDs.
  secret_grants = merge(
    { for name, secret in var.secret_environment : "env-${name}" => secret },
    { for dir, f in var.secret_files : "file-${dir}" => f.secret },
  )
  connector  = try(var.vpc_access.connector, null)
  direct     = var.vpc_access != null && local.connector == null
  all_egress = try(var.vpc_access.egress, "") == "all-traffic"

  # Sharded rounds learn where to publish and how many nodes go in a shard.
  environment = merge(var.environment, var.sharding.enabled ? {
    SHARD_SIZE  = tostring(var.sharding.shard_size)
    SHARD_TOPIC = "projects/${var.project_id}/topics/${var.name}-shards"
  } : {})

  functions = merge(
    {
      # One round at a time: counters are read at the start of a round and written at its end.
      scrape = {
        name          = var.name
        entry_point   = "scrape"
        max_instances = 1
        description   = "Heapster scrape: one round of the cluster per Cloud Scheduler call."
      }
    },
    { for key, f in {
      shard = {
        name          = "${var.name}-shard"
        entry_point   = "scrapeShard"
        max_instances = var.sharding.max_instances
        description   = "Heapster scrape shard: the nodes of one shard of a round, fed by Pub/Sub."
      }
    } : key => f if var.sharding.enabled },
  )
}

resource "google_project_iam_member" "scrape" {
  for_each = local.project_roles

  project = var.project_id
  role    = each.value
  member  = local.member
}

resource "google_secret_manager_secret_iam_member" "scrape" {
  for_each = local.secret_grants

  project   = var.project_id
  secret_id = each.value
  role      = "roles/secretmanager.secretAccessor"
  member    = local.member
}

# The scheduled round and, when sharding, the shard target: one source, one identity, one configuration.
resource "google_cloudfunctions2_function" "this" {
  for_each = local.functions

  project     = var.project_id
  location    = var.region
  name        = each.value.name
  description = each.value.description
  labels      = var.labels

  build_config {
    runtime         = "nodejs22"
    entry_point     = each.value.entry_point
    service_account = var.build_service_account
    source {
      storage_source {
        bucket = var.source_archive.bucket
        object = var.source_archive.object
      }
    }
  }

  service_config {
    min_instance_count               = 0
    max_instance_count               = each.value.max_instances
    max_instance_request_concurrency = 1
    available_memory                 = var.memory
    available_cpu                    = var.cpu
    timeout_seconds                  = var.timeout_seconds
    ingress_settings                 = "ALLOW_INTERNAL_ONLY"
    all_traffic_on_latest_revision   = true
    service_account_email            = google_service_account.scrape.email
    environment_variables            = local.environment

    vpc_connector                 = local.connector
    vpc_connector_egress_settings = local.connector == null ? null : (local.all_egress ? "ALL_TRAFFIC" : "PRIVATE_RANGES_ONLY")
    direct_vpc_egress             = local.direct ? (local.all_egress ? "VPC_EGRESS_ALL_TRAFFIC" : "VPC_EGRESS_PRIVATE_RANGES_ONLY") : null

    dynamic "direct_vpc_network_interface" {
      for_each = local.direct ? [var.vpc_access] : []
      content {
        network    = direct_vpc_network_interface.value.network
        subnetwork = direct_vpc_network_interface.value.subnetwork
      }
    }

    dynamic "secret_environment_variables" {
      for_each = var.secret_environment
      content {
        key        = secret_environment_variables.key
        project_id = var.project_id
        secret     = secret_environment_variables.value
        version    = "latest"
      }
    }

    dynamic "secret_volumes" {
      for_each = var.secret_files
      content {
        mount_path = secret_volumes.key
        project_id = var.project_id
        secret     = secret_volumes.value.secret
        versions {
          version = "latest"
          path    = secret_volumes.value.file
        }
      }
    }
  }

  # The first instance starts at deploy time and must already be allowed to read its secrets.
  depends_on = [google_secret_manager_secret_iam_member.scrape]
}
