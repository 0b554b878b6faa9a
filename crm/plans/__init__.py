"""Improvement actions (PDCA) and the service plan (服务计划)."""
