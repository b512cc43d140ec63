"""Credit reports (信用报告): the registry of the reports credit service agencies issue, and its verification."""
