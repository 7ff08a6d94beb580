import multiprocessing


def sq(x):
    return x * x
if __name__ == "__main__":
    with multiprocessing.Pool(2) as p:
        print(p.map(sq, range(10)))
