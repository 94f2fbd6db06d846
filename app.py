from formsvc import create_app

app = create_app()
