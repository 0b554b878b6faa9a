"""Key-account callbacks (关键客户定期回访): plans, dated tasks, the agent worklist."""
