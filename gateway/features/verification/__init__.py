"""Credit verification (信用核查): numbered query opinions for departments handling an administrative matter."""
