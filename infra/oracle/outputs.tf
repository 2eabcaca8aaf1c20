output "public_ip" {
  description = "Point DNS at it: an A record for *.<your domain> (wildcard) to this address."
  value       = oci_core_instance.nudge.public_ip
}
