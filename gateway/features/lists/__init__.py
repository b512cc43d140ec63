"""Every domain's red and black lists, listed publicly through one core query (``creditLists``)."""
