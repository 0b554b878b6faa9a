"""QA spot checks (质检抽查)."""
