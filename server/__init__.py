"""The site server (`anchang serve`): phones and tablets on the office LAN, through the same application
layer (service/) as the console. docs/site-server.md describes it."""
