"""How verdicts and tables read: symbols, words and colours, and the tables' Swedish texts."""
