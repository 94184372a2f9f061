# A cluster outside GKE (on premises, another cloud): both workloads read a kubeconfig from Secret Manager,
# mounted at /secrets/kubeconfig/kubeconfig. Metrics go to Cloud Monitoring and, when given, to InfluxDB with
# its token from Secret Manager as well.

provider "google" {
  project = var.project_id
  region  = var.region
}

module "heapster" {
  source = "../.."

  project_id = var.project_id
  region     = var.region
  cluster = {
    name     = var.cluster_name
    location = var.cluster_location
    access   = "kubeconfig"
  }
  sinks = {
    influxdb = var.influxdb_url == null ? null : {
      url = var.influxdb_url
      db  = "k8s"
    }
  }
  events = {
    enabled = var.events_image != null
    image   = var.events_image
  }
  vpc_access = var.connector == null ? null : { connector = var.connector }
}
