resource "google_firestore_database" "heapster" {
  project                     = var.project_id
  name                        = var.database_id
  location_id                 = var.location
  type                        = "FIRESTORE_NATIVE"
  concurrency_mode            = "OPTIMISTIC"
  app_engine_integration_mode = "DISABLED"
  delete_protection_state     = var.delete_protection ? "DELETE_PROTECTION_ENABLED" : "DELETE_PROTECTION_DISABLED"
  deletion_policy             = var.delete_protection ? "ABANDON" : "DELETE"
}

# The events service's checkpoint journal documents carry expireAt (a timestamp past the replay horizon):
# Firestore deletes them after it, so the journal never grows without bound even if pruning stops.
resource "google_firestore_field" "checkpoint_expiry" {
  project    = var.project_id
  database   = google_firestore_database.heapster.name
  collection = "event-checkpoints"
  field      = "expireAt"

  ttl_config {}
  index_config {}
}

# Opaque blobs and long arrays that no query reads: indexing them would only cost index entries on every
# write (a 1,000-node counters document would carry thousands).
locals {
  unindexed_fields = {
    checkpoint_journal = { collection = "event-checkpoints", field = "written" }
    counter_nodes      = { collection = "counters", field = "nodes" }
    counter_states     = { collection = "counters", field = "states" }
  }
}

resource "google_firestore_field" "unindexed" {
  for_each = local.unindexed_fields

  project    = var.project_id
  database   = google_firestore_database.heapster.name
  collection = each.value.collection
  field      = each.value.field

  index_config {}
}

resource "google_secret_manager_secret" "this" {
  for_each = var.secrets

  project   = var.project_id
  secret_id = each.value
  labels    = var.labels

  replication {
    auto {}
  }
}

resource "google_secret_manager_secret_version" "cluster_ca" {
  count = var.cluster_ca_pem != null && contains(keys(var.secrets), "cluster_ca") ? 1 : 0

  secret      = google_secret_manager_secret.this["cluster_ca"].id
  secret_data = var.cluster_ca_pem
}
