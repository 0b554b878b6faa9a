"""The customer archive (客户档案): profiles, phones, purchases, feedback, search."""
