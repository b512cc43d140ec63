"""Tables of the complaint and commitment workflows (migration core_0007); imported by gateway.db.tables."""
