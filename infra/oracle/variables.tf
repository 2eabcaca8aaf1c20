variable "oci_profile" {
  description = "Profile in ~/.oci/config holding the API key."
  type        = string
  default     = "DEFAULT"
}

variable "region" {
  description = "Your home region (Always Free A1 capacity is only in the home region), e.g. eu-frankfurt-1."
  type        = string
}

variable "tenancy_ocid" {
  description = "Tenancy OCID (availability domains are listed at tenancy level)."
  type        = string
}

variable "compartment_ocid" {
  description = "Compartment for every resource; the tenancy OCID (root compartment) is fine."
  type        = string
}

variable "ssh_public_key_path" {
  description = "Public key allowed to log in as ubuntu."
  type        = string
  default     = "~/.ssh/id_ed25519.pub"
}

variable "ssh_source_cidr" {
  description = "Who may reach SSH (22). Narrow it to your own address: x.x.x.x/32."
  type        = string
  default     = "0.0.0.0/0"
}

variable "k3s_version" {
  description = "k3s release installed by cloud-init (scripts/deploy-oracle.sh passes knative/platform/versions.env)."
  type        = string
}

variable "availability_domain_index" {
  description = "Which availability domain to use; try another when A1 capacity is out in one."
  type        = number
  default     = 0
}
