"""The credit lifecycle: working-day deadlines and the workflows of disputes, repair, commitments and complaints."""
