# Import an existing webhook integration by its id.
terraform import commonfate_webhook_integration.my_webhook_destination whk_2f0ChzJvrOOqchMhRmJieErz9Bl
