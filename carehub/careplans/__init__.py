"""Care plans: what each resident receives, the holiday calendar, and visit generation."""
