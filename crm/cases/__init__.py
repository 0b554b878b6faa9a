"""Service flow (服务流程): cases with SLA clocks, transfers, closed-loop complaints."""
