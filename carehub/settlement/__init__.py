"""Monthly settlement: claims per provider per month, reviewed line by line by the bureau."""
