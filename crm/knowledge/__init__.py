"""The knowledge base (知识库): articles in Markdown with versions and approval, search that works
in Chinese (substrings, pinyin, synonyms), and the public help centre."""
