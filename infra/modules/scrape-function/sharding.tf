# Sharded rounds: the scheduled function lists the cluster and publishes one message per shard of nodes; a push
# subscription delivers each to the scrapeShard target with an OIDC token. Messages that keep failing go to a
# dead-letter topic whose subscription keeps them for inspection.

locals {
  sharded = var.sharding.enabled
}

data "google_project" "this" {
  count      = local.sharded ? 1 : 0
  project_id = var.project_id
}

locals {
  pubsub_agent = local.sharded ? "serviceAccount:service-${data.google_project.this[0].number}@gcp-sa-pubsub.iam.gserviceaccount.com" : ""
}

resource "google_pubsub_topic" "shards" {
  count = local.sharded ? 1 : 0

  project = var.project_id
  name    = "${var.name}-shards"
  labels  = var.labels
}

resource "google_pubsub_topic" "dead_letter" {
  count = local.sharded ? 1 : 0

  project = var.project_id
  name    = "${var.name}-shards-dead-letter"
  labels  = var.labels
}

resource "google_pubsub_subscription" "dead_letter" {
  count = local.sharded ? 1 : 0

  project                    = var.project_id
  name                       = "${var.name}-shards-dead-letter"
  topic                      = google_pubsub_topic.dead_letter[0].id
  message_retention_duration = "604800s"
  labels                     = var.labels

  expiration_policy {
    ttl = ""
  }
}

resource "google_pubsub_topic_iam_member" "publisher" {
  count = local.sharded ? 1 : 0

  project = var.project_id
  topic   = google_pubsub_topic.shards[0].name
  role    = "roles/pubsub.publisher"
  member  = local.member
}

resource "google_service_account" "shard_push" {
  count = local.sharded ? 1 : 0

  project      = var.project_id
  account_id   = "${var.name}-push"
  display_name = "Heapster shard delivery"
  description  = "Identity of the Pub/Sub push that calls the scrapeShard target; may invoke only that."
}

resource "google_cloud_run_v2_service_iam_member" "shard_push" {
  count = local.sharded ? 1 : 0

  project  = var.project_id
  location = var.region
  name     = google_cloudfunctions2_function.this["shard"].name
  role     = "roles/run.invoker"
  member   = "serviceAccount:${google_service_account.shard_push[0].email}"
}

resource "google_pubsub_subscription" "shards" {
  count = local.sharded ? 1 : 0

  project = var.project_id
  name    = "${var.name}-shards"
  topic   = google_pubsub_topic.shards[0].id
  labels  = var.labels
  # A shard is acknowledged when its function returns, so it may take the function's whole timeout.
  ack_deadline_seconds = min(600, var.timeout_seconds)
  # A shard not scraped within ten minutes belongs to a round that is over.
  message_retention_duration = "600s"

  expiration_policy {
    ttl = ""
  }

  retry_policy {
    minimum_backoff = "5s"
    maximum_backoff = "60s"
  }

  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.dead_letter[0].id
    max_delivery_attempts = var.sharding.max_delivery_attempts
  }

  push_config {
    # The path names the topic: the Functions Framework reads it into the CloudEvent's source when it turns
    # a plain Pub/Sub push into the event scrapeShard takes (the function answers on every path).
    push_endpoint = "${google_cloudfunctions2_function.this["shard"].service_config[0].uri}/projects/${var.project_id}/topics/${google_pubsub_topic.shards[0].name}"
    oidc_token {
      service_account_email = google_service_account.shard_push[0].email
      audience              = google_cloudfunctions2_function.this["shard"].service_config[0].uri
    }
  }

  depends_on = [google_cloud_run_v2_service_iam_member.shard_push]
}

# Pub/Sub's own agent forwards undeliverable messages: it publishes to the dead-letter topic and acknowledges
# on the shard subscription.
resource "google_pubsub_topic_iam_member" "dead_letter_agent" {
  count = local.sharded ? 1 : 0

  project = var.project_id
  topic   = google_pubsub_topic.dead_letter[0].name
  role    = "roles/pubsub.publisher"
  member  = local.pubsub_agent
}

resource "google_pubsub_subscription_iam_member" "dead_letter_agent" {
  count = local.sharded ? 1 : 0

  project      = var.project_id
  subscription = google_pubsub_subscription.shards[0].name
  role         = "roles/pubsub.subscriber"
  member       = local.pubsub_agent
}

# Round records (heapster/<cluster>/rounds/<round> and their shards) carry expireAt, a week after the round:
# Firestore deletes them after it. A shard's partial sums are a JSON string no query reads: not indexed.
locals {
  round_fields = local.sharded ? {
    round_expiry   = { collection = "rounds", field = "expireAt", ttl = true }
    shard_expiry   = { collection = "shards", field = "expireAt", ttl = true }
    shard_partials = { collection = "shards", field = "partial", ttl = false }
  } : {}
}

resource "google_firestore_field" "rounds" {
  for_each = local.round_fields

  project    = var.project_id
  database   = lookup(var.environment, "FIRESTORE_DATABASE", "(default)")
  collection = each.value.collection
  field      = each.value.field

  dynamic "ttl_config" {
    for_each = each.value.ttl ? [1] : []
    content {}
  }
  index_config {}
}
