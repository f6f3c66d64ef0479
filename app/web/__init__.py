"""The pages people use: server-rendered GOV.UK Frontend over the same services as the API."""
