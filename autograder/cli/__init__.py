def main(argv=None):
    print("course")
