"""Joint rewards and punishments (联合奖惩): the catalogue of measures and the measures in force for a subject."""
