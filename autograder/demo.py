"""`make demo`: placeholder until the homeworks land."""
def main():
    print("demo")
if __name__ == "__main__":
    main()
