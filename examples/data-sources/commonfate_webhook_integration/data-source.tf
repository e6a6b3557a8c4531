data "commonfate_webhook_integration" "existing" {
  id = "whk_2f0ChzJvrOOqchMhRmJieErz9Bl"
}

output "existing_webhook_url" {
  value = data.commonfate_webhook_integration.existing.url
}
