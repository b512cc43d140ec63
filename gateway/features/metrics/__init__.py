"""Collection metrics for the annual assessment of the departments' credit-information work."""
