"""Read queries of the console pages: one module per page, small frozen dataclasses, phones masked."""
