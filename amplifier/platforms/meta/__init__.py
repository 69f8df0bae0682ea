"""What Meta's platforms share (Facebook Pages today; Threads is to follow): Facebook Login's
token answers (`oauth.py`), the Graph API's error object and usage headers (`answers.py`)."""
