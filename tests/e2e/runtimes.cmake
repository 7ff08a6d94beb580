# Language runtimes under load, each compared with native on two cores:
# the JVM with ZGC (safepoint polls fault in several threads at once), a
# CPython and a Node workload that mix threads, processes, signals, pipes,
# files and compression. Included by CMakeLists.txt.
# Without hsperfdata (-XX:-UsePerfData): every container's first process
# is pid 1, so JVMs of containers running at once (ctest -j) share
# /tmp/hsperfdata_USER/1, and the one that finds it locked warns on stdout.
if(JAVAC_EXECUTABLE)
  junction_e2e_java(e2e_java_runtime_stress RuntimeStress)
  junction_e2e(java_zgc_stress_2cores APP ${E2E_DATA}/two_cores.toml TIMEOUT 180
               COMMAND java -XX:-UsePerfData -XX:+UseZGC -Xmx96m -cp ${CMAKE_CURRENT_BINARY_DIR}/java RuntimeStress)
endif()
junction_e2e(python_stress_2cores APP ${E2E_DATA}/two_cores.toml TIMEOUT 180
             COMMAND python3 ${E2E_DATA}/runtimes/python_stress.py)
junction_e2e(node_stress_2cores APP ${E2E_DATA}/two_cores.toml TIMEOUT 180
             COMMAND node ${E2E_DATA}/runtimes/node_stress.js)
