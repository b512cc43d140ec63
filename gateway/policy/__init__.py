"""Who may ever see which field: visibilities, their declarations, and one schema per audience."""
