# One public subnet in one VCN: the VM needs 80 (HTTP-01 challenges, redirect), 443 (the API)
# and 22 (SSH, also the tunnel to the Kubernetes API, which is never exposed).
resource "oci_core_vcn" "nudge" {
  compartment_id = var.compartment_ocid
  cidr_blocks    = ["10.0.0.0/16"]
  display_name   = "nudge"
  dns_label      = "nudge"
}

resource "oci_core_internet_gateway" "nudge" {
  compartment_id = var.compartment_ocid
  vcn_id         = oci_core_vcn.nudge.id
  display_name   = "nudge"
  enabled        = true
}

resource "oci_core_route_table" "nudge" {
  compartment_id = var.compartment_ocid
  vcn_id         = oci_core_vcn.nudge.id
  display_name   = "nudge"
  route_rules {
    destination       = "0.0.0.0/0"
    destination_type  = "CIDR_BLOCK"
    network_entity_id = oci_core_internet_gateway.nudge.id
  }
}

resource "oci_core_security_list" "nudge" {
  compartment_id = var.compartment_ocid
  vcn_id         = oci_core_vcn.nudge.id
  display_name   = "nudge"

  egress_security_rules {
    destination = "0.0.0.0/0"
    protocol    = "all"
  }

  ingress_security_rules {
    description = "SSH"
    protocol    = "6"
    source      = var.ssh_source_cidr
    tcp_options {
      min = 22
      max = 22
    }
  }

  ingress_security_rules {
    description = "HTTP (Let's Encrypt HTTP-01 and redirect to HTTPS)"
    protocol    = "6"
    source      = "0.0.0.0/0"
    tcp_options {
      min = 80
      max = 80
    }
  }

  ingress_security_rules {
    description = "HTTPS"
    protocol    = "6"
    source      = "0.0.0.0/0"
    tcp_options {
      min = 443
      max = 443
    }
  }

  # Path MTU discovery.
  ingress_security_rules {
    protocol = "1"
    source   = "0.0.0.0/0"
    icmp_options {
      type = 3
      code = 4
    }
  }
}

resource "oci_core_subnet" "nudge" {
  compartment_id             = var.compartment_ocid
  vcn_id                     = oci_core_vcn.nudge.id
  cidr_block                 = "10.0.1.0/24"
  display_name               = "nudge-public"
  dns_label                  = "public"
  route_table_id             = oci_core_route_table.nudge.id
  security_list_ids          = [oci_core_security_list.nudge.id]
  prohibit_public_ip_on_vnic = false
}
