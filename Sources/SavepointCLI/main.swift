print("savepoint")
