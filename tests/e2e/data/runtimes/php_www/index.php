<?php
$n = isset($_GET['n']) ? (int)$_GET['n'] : 10;
if (isset($_GET['big'])) { echo str_repeat("B", 200000), "\n"; exit; }
if ($_SERVER['REQUEST_METHOD'] === 'POST') { echo "post ", strlen(file_get_contents("php://input")), " ", md5(file_get_contents("php://input")), "\n"; exit; }
echo "sum ", array_sum(range(1, $n)), " via ", $_SERVER['SERVER_SOFTWARE'] ? "php-server" : "?", "\n";
