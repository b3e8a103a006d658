"""Read models and printed reports (数据看板, 日报/周报/月报, 渠道佣金凭证, 判客裁决书): the figures as
plain data from the store's projections and journal, charts, PDF documents and Excel workbooks.

Free of Qt: the console's dashboard page and the big screen show these figures; the `anchang report`
command prints them.
"""
